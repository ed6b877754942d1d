package dev.pybudget.cli;

import picocli.CommandLine;

/** {@code --publish HOST:CONTAINER}: the container's TCP port {@code container} on the host's port {@code host}. */
record PublishedPort(int host, int container) {

    /** As Testcontainers and docker write a port binding. */
    String binding() {
        return host + ":" + container;
    }

    static final class Converter implements CommandLine.ITypeConverter<PublishedPort> {
        @Override
        public PublishedPort convert(String value) {
            String[] parts = value.split(":", -1);
            if (parts.length == 2) {
                int host = port(parts[0]);
                int container = port(parts[1]);
                if (host > 0 && container > 0) {
                    return new PublishedPort(host, container);
                }
            }
            throw new CommandLine.TypeConversionException("--publish '" + value + "' is not HOST:CONTAINER: give two"
                    + " TCP ports from 1 to 65535, e.g. 8000:8000.");
        }

        private static int port(String text) {
            if (!text.matches("\\d{1,5}")) {
                return -1;
            }
            int port = Integer.parseInt(text);
            return port <= 65535 ? port : -1;
        }
    }
}
