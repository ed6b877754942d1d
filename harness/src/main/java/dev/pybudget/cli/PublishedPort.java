package dev.pybudget.cli;

import dev.pybudget.cli.Arguments.UsageException;

/** {@code --publish HOST:CONTAINER}: the container's TCP port {@code container} on the host's port {@code host}. */
record PublishedPort(int host, int container) {

    /** As Testcontainers and docker write a port binding. */
    String binding() {
        return host + ":" + container;
    }

    static PublishedPort parse(String value) {
        int colon = value.indexOf(':');
        int host = colon < 0 ? -1 : port(value.substring(0, colon));
        int container = colon < 0 ? -1 : port(value.substring(colon + 1));
        if (host <= 0 || container <= 0) {
            throw new UsageException("--publish '" + value + "' is not HOST:CONTAINER: give two TCP ports from 1"
                    + " to 65535, e.g. 8000:8000.");
        }
        return new PublishedPort(host, container);
    }

    /** 1 to 65535 in at most 5 digits; -1 for anything else. */
    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5 || Arguments.leadingDigits(text) != text.length()) {
            return -1;
        }
        int port = Integer.parseInt(text);
        return port <= 65535 ? port : -1;
    }
}
