package com.example.checkout;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.junit.GcBudget;
import dev.pybudget.junit.MaxCalls;
import dev.pybudget.junit.NoImports;
import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Recorder;
import dev.pybudget.junit.Workload;
import dev.pybudget.recording.Recording;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Requests once the service is warm: no import, no full collection, one price_line() per item. */
@PythonPerfTest
class WarmRequestTest {

    @Workload
    static PythonWorkloadContainer service = CheckoutService.container();

    @BeforeAll
    static void warmUp() throws Exception {
        CheckoutService.get(service, "/checkout?items=1");
    }

    @Test
    @NoImports(window = "request")
    @GcBudget(generation = 2, max = 0, window = "request")
    @MaxCalls(function = "*/checkout/pricing.py:price_line", max = 100, window = "request")
    void aWarmRequestOfHundredItems(Recorder recorder) {
        Recording r = recorder.record("hundred items", () -> CheckoutService.get(service, "/checkout?items=100"));

        // Calls are counted exactly, in the kernel: 100 items, 100 calls; a budget of 99 fails.
        assertThat(r).window("request").calls().hasCallsAtMost("*/checkout/pricing.py:price_line", 100);
        assertThatThrownBy(() -> assertThat(r).window("request").calls().hasCallsAtMost("*/checkout/pricing.py:price_line", 99))
                .hasMessageContaining("Expected at most 99 calls of '*/checkout/pricing.py:price_line' in window 'request',"
                        + " but there were 100");
        assertThat(r).window("request").gc().hasNoCollections(2).hasCollectionsAtMost(0, 10);
        // What the anchored pattern matched: the service's own files, not the standard library's http/server.py.
        Assertions.assertThat(r.callPatternMatched())
                .isNotEmpty()
                .allMatch(f -> f.startsWith("/srv/checkout/"), "a function of the service");
    }
}
