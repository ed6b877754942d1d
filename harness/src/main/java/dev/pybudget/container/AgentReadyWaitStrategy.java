package dev.pybudget.container;

import dev.pybudget.agent.AgentProtocol;
import java.time.Duration;
import java.time.Instant;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

/**
 * Waits until the agent says the probes are attached and the workload released, or fails at
 * once with the agent's own sentence when it cannot trace.
 */
final class AgentReadyWaitStrategy extends AbstractWaitStrategy {

    private final OutputLog agentLog;

    AgentReadyWaitStrategy(OutputLog agentLog) {
        this.agentLog = agentLog;
        withStartupTimeout(Duration.ofSeconds(60));
    }

    @Override
    protected void waitUntilReady() {
        Instant deadline = Instant.now().plus(startupTimeout);
        while (Instant.now().isBefore(deadline)) {
            String log = agentLog.toString();
            int error = log.indexOf(AgentProtocol.ERROR);
            if (error >= 0) {
                throw new ContainerLaunchException(firstLine(log.substring(error + AgentProtocol.ERROR.length())));
            }
            if (log.contains(AgentProtocol.READY)) {
                return;
            }
            if (!waitStrategyTarget.isRunning()) {
                throw new ContainerLaunchException("The workload container stopped before the pybudget agent attached"
                        + " its probes; its output was: " + tail(log));
            }
            try {
                agentLog.awaitMore(log.length(), 20); // wakes as soon as the agent prints
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ContainerLaunchException("Interrupted while waiting for the pybudget agent.");
            }
        }
        throw new ContainerLaunchException("The pybudget agent did not attach its probes within " + startupTimeout.toSeconds()
                + " s; its output was: " + tail(log()));
    }

    private String log() {
        return agentLog.toString();
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).strip();
    }

    private static String tail(String log) {
        String trimmed = log.strip();
        return trimmed.isEmpty() ? "(nothing)" : trimmed.length() > 2000 ? "..." + trimmed.substring(trimmed.length() - 2000) : trimmed;
    }
}
