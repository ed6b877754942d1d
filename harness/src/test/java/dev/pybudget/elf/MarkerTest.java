package dev.pybudget.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.support.Pythons;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Every marker name the code uses is one CPython's ELF notes have: Debian's 3.11 has all of them. */
class MarkerTest {

    @Test
    void should_name_probes_that_a_cpython_with_every_marker_has() throws Exception {
        PythonBinary python = PythonBinary.inspect(Pythons.debian());
        for (Marker marker : Marker.values()) {
            assertThat(python.probe(marker.probe())).as("%s in %s", marker.probe(), Pythons.DEBIAN).isPresent();
        }
        assertThat(Arrays.stream(Marker.values()).map(Marker::probe)).doesNotHaveDuplicates();
    }
}
