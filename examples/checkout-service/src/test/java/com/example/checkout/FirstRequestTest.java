package com.example.checkout;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Recorder;
import dev.pybudget.junit.Workload;
import dev.pybudget.recording.Recording;
import org.junit.jupiter.api.Test;

/** The first request after start-up: it pays for the lazy import of checkout.pricing, and only for that. */
@PythonPerfTest
class FirstRequestTest {

    @Workload
    static PythonWorkloadContainer service = CheckoutService.container();

    @Test
    void firstRequestImportsStayWithinBudget(Recorder recorder) {
        Recording first = recorder.record("first", () -> CheckoutService.get(service, "/checkout?items=3"));

        // The budget for the first request: pricing and what it needs, nothing that talks to the network.
        assertThat(first).window("request").imports().hasCountAtMost(40).containsNone("ssl", "urllib.request", "socket");

        // A budget that does not hold: "no import at all in a request" fails on the first one, and says why.
        assertThatThrownBy(() -> assertThat(first).window("request").imports().isEmpty())
                .hasMessageContaining("Expected no imports in window 'request'")
                .hasMessageContaining("checkout.pricing")
                .hasMessageContaining("decimal");
    }
}
