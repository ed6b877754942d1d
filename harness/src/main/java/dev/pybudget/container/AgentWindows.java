package dev.pybudget.container;

import dev.pybudget.engine.WindowHandle;
import dev.pybudget.engine.WindowedRun;
import dev.pybudget.recording.Recording;

/** Windows opened from Java through the agent's channel. */
final class AgentWindows {
    private AgentWindows() {}

    /**
     * record(name, work) through the agent: it keeps the reading from before the window and answers only what happened
     * in between, when it can (an agent older than "record" answers the two whole recordings with the window's open and
     * close, and the difference is made here).
     */
    static Recording record(AgentClient client, String name, Runnable work,
            java.util.function.Function<AgentClient.Snapshot, Recording> withExitStatus) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("A window needs a name.");
        }
        if (client.agentRecords()) {
            int window = client.openToRecord(name);
            AgentClient.Snapshot during;
            try {
                work.run();
            } finally {
                during = client.closeWithRecord(window);
            }
            return withExitStatus.apply(during);
        }
        AgentClient.Opened opened = client.openAfterSnapshot(name);
        AgentClient.Snapshot after;
        try {
            work.run();
        } finally {
            after = client.closeThenSnapshot(opened.window());
        }
        return WindowedRun.between(withExitStatus.apply(opened.before()), withExitStatus.apply(after), name);
    }

    static WindowHandle open(AgentClient client, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("A window needs a name.");
        }
        int id = client.open(name);
        return new WindowHandle() {
            private boolean open = true;

            @Override
            public String name() {
                return name;
            }

            @Override
            public void close() {
                if (open) {
                    open = false;
                    client.close(id);
                }
            }
        };
    }
}
