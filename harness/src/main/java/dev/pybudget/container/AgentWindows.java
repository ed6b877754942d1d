package dev.pybudget.container;

import dev.pybudget.engine.WindowHandle;

/** Windows opened from Java through the agent's channel. */
final class AgentWindows {
    private AgentWindows() {}

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
