package dev.pybudget.cli;

import dev.pybudget.engine.Trace;
import dev.pybudget.recording.Recording;
import dev.pybudget.report.JsonReport;
import dev.pybudget.report.TextReport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the command line's end path once while the workload runs, on a daemon thread, and throws the result away:
 * a reading of the trace so far ({@link Trace#snapshot()}, as a window opened from Java reads it), the text report
 * of it and, with --json, its JSON text. Otherwise a fresh JVM ({@code java -jar}) loads, links and interprets that
 * code for the first time after the workload's last line. It writes nothing anywhere and changes no count: a
 * snapshot reads the maps, and the final reading reads them again.
 */
final class EndPathWarmUp {
    private EndPathWarmUp() {}

    /**
     * Not before the workload has run this long: a warm-up still running when the workload ends makes the end wait
     * for it and share the CPU with it (a workload of 20 ms: 169 → 235 ms from its last line to the command line's
     * exit with a warm-up from the release, 9 interleaved runs at load 8), and the workload's own start-up (its
     * imports) is then left the CPU.
     */
    static final long DELAY_MILLIS = 250;

    /** Starts the warm-up, which runs unless {@code ended} completes within {@link #DELAY_MILLIS}. */
    static void start(Trace trace, CompletableFuture<?> ended, boolean json) {
        Thread warmUp = new Thread(() -> {
            try {
                ended.get(DELAY_MILLIS, TimeUnit.MILLISECONDS);
                return; // ended first: the end path runs cold, with the CPU to itself
            } catch (TimeoutException e) {
                // still running: warm up
            } catch (InterruptedException | ExecutionException e) {
                return;
            }
            try {
                Recording soFar = trace.snapshot();
                TextReport.render(soFar);
                if (json) {
                    JsonReport.toString(soFar);
                }
            } catch (RuntimeException e) {
                // A warm-up only: the end path reads the trace again and says what fails there.
            }
        }, "pybudget-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }
}
