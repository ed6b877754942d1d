package dev.pybudget.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The reports format in Locale.US for speed (ReportText says why): it must write what Locale.ROOT wrote. */
class ReportTextTest {

    @Test
    void should_write_numbers_as_the_root_locale_does_whatever_the_default_locale() {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.GERMANY); // a decimal comma and a grouping point, were the default used
        try {
            Object[][] cases = {
                {"%.3f ms", 1234567.8915}, {"%,.1f ms", 1234567.89}, {"%.0f µs", 999.5}, {"%.2f", -0.005},
                {"%,d hits", 1234567L}, {"\n  %10d  %s", 42L, "import"}, {"%n  [%s, %s): %d", "a", "b", 7},
            };
            for (Object[] c : cases) {
                String pattern = (String) c[0];
                Object[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
                assertThat(ReportText.format(pattern, args)).as(pattern).isEqualTo(String.format(Locale.ROOT, pattern, args));
            }
            assertThat(ReportText.millis(12_345_678)).isEqualTo("12.346 ms");
            assertThat(ReportText.format("%,d", -1234567L)).isEqualTo("-1,234,567");
        } finally {
            Locale.setDefault(before);
        }
    }
}
