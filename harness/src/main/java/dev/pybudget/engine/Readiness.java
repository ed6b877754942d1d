package dev.pybudget.engine;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * When a {@link LocalWorkload} is ready for the test to drive it, as a wait strategy tells for a
 * container: {@link LocalWorkload#start()} returns only then, so what the workload does while it
 * starts up is not counted in the first test.
 */
@FunctionalInterface
public interface Readiness {

    /** Asked again and again (every 20 ms) until it says yes. */
    boolean isReady();

    /** Ready at once: the workload's first bytecode runs with the probes attached, and start() returns. */
    static Readiness immediately() {
        return () -> true;
    }

    /** Ready when something accepts TCP connections on this port of the loopback interface. */
    static Readiness listeningOn(int port) {
        return () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException notYet) {
                return false;
            }
        };
    }
}
