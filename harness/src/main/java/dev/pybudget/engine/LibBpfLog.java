package dev.pybudget.engine;

import com.sun.jna.Memory;
import dev.pybudget.bindings.LibBpf;
import dev.pybudget.bindings.LibC;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Keeps libbpf's last log lines on each thread (verifier output, attach failures) so an error can quote
 * them, instead of letting libbpf print into the user's terminal. PYBUDGET_DEBUG=1 echoes them.
 */
final class LibBpfLog {
    private LibBpfLog() {}

    private static final int KEEP = 40;
    /** enum libbpf_print_level: LIBBPF_WARN, LIBBPF_INFO, LIBBPF_DEBUG */
    private static final int LIBBPF_DEBUG = 2;
    /** Per thread: objects load on threads side by side (BpfObjects), and each failure quotes its own object's lines. */
    private static final ThreadLocal<Deque<String>> LOG = ThreadLocal.withInitial(ArrayDeque::new);
    private static final boolean ECHO = System.getenv("PYBUDGET_DEBUG") != null;
    /** Held here so that JNA's callback is never collected while libbpf holds it. */
    private static LibBpf.PrintFn callback;

    static synchronized void install(LibBpf lib) {
        if (callback != null) {
            return;
        }
        callback = (level, format, vaList) -> {
            // libbpf logs ~600 debug lines per trace (each map and program, each relocation): formatting
            // them would be a call back into C per line, and the errors quoted here are warnings.
            if (level == LIBBPF_DEBUG && !ECHO) {
                return 0;
            }
            String line = format(format, vaList);
            remember(line);
            if (ECHO) {
                System.err.println("libbpf: " + line);
            }
            return 0;
        };
        lib.libbpf_set_print(callback);
    }

    /**
     * Big enough for a whole verifier log, which libbpf prints as one message; a va_list can be read once only.
     * Native memory: a byte[] of this size would be copied to native memory and back on every line (JNA
     * marshals arrays by copy), about 2 MB of copying for each of the few hundred lines libbpf logs per load.
     */
    private static final int BUFFER_SIZE = 1 << 20;
    private static final Memory BUFFER = new Memory(BUFFER_SIZE);

    private static synchronized String format(String format, com.sun.jna.Pointer vaList) {
        int n = LibC.INSTANCE.vsnprintf(BUFFER, BUFFER_SIZE, format, vaList);
        byte[] bytes = BUFFER.getByteArray(0, Math.max(0, Math.min(n, BUFFER_SIZE - 1)));
        return new String(bytes, StandardCharsets.UTF_8).stripTrailing();
    }

    private static void remember(String line) {
        Deque<String> lines = LOG.get();
        if (lines.size() == KEEP) {
            lines.removeFirst();
        }
        lines.addLast(line);
    }

    /**
     * The last log line that says what went wrong, as the end of a one-line sentence (a message can hold
     * several lines; errors quote it on the one line they have), or an empty string.
     */
    static String lastError() {
        String last = "";
        for (String entry : LOG.get()) {
            for (String line : entry.split("\n")) {
                if (!line.isBlank()) {
                    last = line.strip();
                }
            }
        }
        return last.isEmpty() || last.endsWith(".") ? last : last + ".";
    }

    /** The verifier's reason from the last program load log, or an empty string when there was none. */
    static String verifierVerdict() {
        for (String entry : LOG.get()) {
            int end = entry.indexOf("-- END PROG LOAD LOG --");
            if (end > 0) {
                String[] lines = entry.substring(0, end).strip().split("\n");
                for (int i = lines.length - 1; i >= 0; i--) {
                    if (!lines[i].startsWith("processed ") && !lines[i].isBlank()) {
                        return lines[i].strip();
                    }
                }
            }
        }
        return "";
    }

    static void clear() {
        LOG.get().clear();
    }
}
