package dev.pybudget.container;

import dev.pybudget.agent.AgentProtocol;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.containers.wait.strategy.WaitStrategy;

/**
 * The workload's start: first the agent says the probes are attached (or why it cannot), then the user's wait
 * strategy, if any. All along, a workload that exits, or an agent that stops, ends the wait at once with its exit
 * status and last output lines, instead of the user's strategy polling a dead port until its timeout.
 */
final class SidecarWaitStrategy extends AbstractWaitStrategy {

    /** Our sentence, found in Testcontainers' chain of exceptions and rethrown alone by the start. */
    static final class Failed extends ContainerLaunchException {
        Failed(String sentence) {
            super(sentence);
        }
    }
    private static final long POLL_MS = 50;
    /**
     * How long the agent's ready line may lag behind the workload's exit: the agent opens the gate, then prints it,
     * and a short script can run and exit in between. Under load (eight containers on two cores) 1 s was too
     * little: a script that ran to its end was said to have exited before it was ready. Waited for only once the
     * workload has ended without that line.
     */
    private static final long SETTLE_MS = 10_000;

    private final AgentContainer agent;
    private final Supplier<Optional<String>> workloadEnded;
    private final OutputLog workloadOutput;
    private final WaitStrategy user;
    private final Duration limit;

    SidecarWaitStrategy(AgentContainer agent, Supplier<Optional<String>> workloadEnded, OutputLog workloadOutput,
                        WaitStrategy user, Duration limit, boolean limitUserStrategy) {
        this.agent = agent;
        this.workloadEnded = workloadEnded;
        this.workloadOutput = workloadOutput;
        this.user = user;
        this.limit = limit;
        if (user != null && limitUserStrategy) {
            user.withStartupTimeout(limit);
        }
        withStartupTimeout(limit);
    }

    @Override
    protected void waitUntilReady() {
        long deadline = System.nanoTime() + limit.toNanos();
        OutputLog log = agent.log();
        while (true) {
            String said = log.toString();
            int error = said.indexOf(AgentProtocol.ERROR);
            if (error >= 0) {
                throw fail(firstLine(said.substring(error + AgentProtocol.ERROR.length())));
            }
            if (said.contains(AgentProtocol.READY)) {
                break;
            }
            // One reading of whether the workload ended, for both questions: read twice, a workload that exits in
            // between (a short script, released) was said to have exited before it was ready.
            Optional<String> ended = workloadEnded.get();
            if (user == null && ended.isPresent() && agentSaidReady()) {
                return; // released, and done already (a short script): its ready line reached us after its exit
            }
            checkBothRun(ended, "before the pybudget agent attached its probes");
            if (System.nanoTime() - deadline > 0) {
                throw fail("The pybudget agent did not attach its probes within " + limit.toSeconds() + " s; the workload's last output:"
                        + System.lineSeparator() + workloadOutput.tail(20, 2000));
            }
            try {
                log.awaitMore(said.length(), POLL_MS); // wakes as soon as the agent prints
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw fail("Interrupted while waiting for the pybudget agent.");
            }
        }
        if (user == null) {
            return;
        }
        CompletableFuture<Void> ready = CompletableFuture.runAsync(() -> user.waitUntilReady(waitStrategyTarget));
        try {
            while (true) {
                try {
                    ready.get(POLL_MS, TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    checkBothRun(workloadEnded.get(), "before it was ready");
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw fail("The workload was not ready: " + (cause.getMessage() == null ? cause : cause.getMessage())
                    + "; its last output:" + System.lineSeparator() + workloadOutput.tail(20, 2000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail("Interrupted while waiting for the workload to be ready.");
        } finally {
            ready.cancel(true);
        }
    }

    private void checkBothRun(Optional<String> ended, String when) {
        if (ended.isPresent()) {
            if (!agentSaidReady()) {
                when = "before the pybudget agent attached its probes";
            } else if (when.startsWith("before the pybudget agent")) {
                when = "before it was ready"; // released, then exited before its ready line reached us
            }
            throw fail(ended.get() + " " + when + "; its last output:" + System.lineSeparator() + workloadOutput.tail(20, 2000));
        }
        Optional<String> agentGone = agent.gone();
        if (agentGone.isPresent()) {
            throw fail(agentGone.get() + "; its output:" + System.lineSeparator() + agent.log().tail(20, 2000));
        }
    }

    /** Whether the agent's ready line is in its log, allowing for the log's delivery to lag the container's exit. */
    private boolean agentSaidReady() {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MS);
        while (!agent.log().toString().contains(AgentProtocol.READY) && System.nanoTime() - until < 0) {
            try {
                agent.log().awaitMore(agent.log().toString().length(), POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return agent.log().toString().contains(AgentProtocol.READY);
    }

    private static ContainerLaunchException fail(String sentence) {
        return new Failed(sentence);
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).strip();
    }
}
