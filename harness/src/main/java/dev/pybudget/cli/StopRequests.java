package dev.pybudget.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Why the command line stops a workload that still runs: --timeout, or a signal to the command line
 * (SIGINT from a terminal's Ctrl-C, SIGTERM from kill, SIGHUP when the terminal goes). The first
 * request wins. The JVM's own handling of these signals (exit at once, running shutdown hooks) would
 * leave no report and, for a workload in a session of its own, leave it running: the command line
 * takes them over, stops the workload, reports, and exits 128+N as a shell does.
 */
final class StopRequests implements AutoCloseable {

    enum Stop {
        TIMEOUT(124), SIGHUP(128 + 1), SIGINT(128 + 2), SIGTERM(128 + 15);

        /** The command line's exit status: 124 as timeout(1), 128+N for signal N. */
        final int status;

        Stop(int status) {
            this.status = status;
        }

        String sentence(Duration timeout) {
            return this == TIMEOUT ? "--timeout " + TraceCommand.describe(timeout) + " reached:" : name() + " received:";
        }
    }

    private final CompletableFuture<Stop> requested = new CompletableFuture<>();
    private final List<Runnable> restore = new ArrayList<>();
    private ScheduledExecutorService timer;

    private StopRequests() {}

    /** Stopped by --timeout only (the command line run inside a test's JVM). */
    static StopRequests none() {
        return new StopRequests();
    }

    /** Stopped by --timeout, SIGINT, SIGTERM and SIGHUP (the command line's own JVM). */
    static StopRequests onSignals() {
        StopRequests stops = new StopRequests();
        for (Stop stop : List.of(Stop.SIGINT, Stop.SIGTERM, Stop.SIGHUP)) {
            Signal signal = new Signal(stop.name().substring(3));
            SignalHandler previous = Signal.handle(signal, s -> stops.request(stop));
            stops.restore.add(() -> Signal.handle(signal, previous));
        }
        return stops;
    }

    void timeoutAfter(Duration timeout) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pybudget-timeout");
            t.setDaemon(true);
            return t;
        });
        timer.schedule(() -> request(Stop.TIMEOUT), timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void request(Stop stop) {
        requested.complete(stop);
    }

    /** Completes with the first stop request. */
    CompletableFuture<Stop> requested() {
        return requested;
    }

    Optional<Stop> stop() {
        return Optional.ofNullable(requested.getNow(null));
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        restore.forEach(Runnable::run);
    }
}
