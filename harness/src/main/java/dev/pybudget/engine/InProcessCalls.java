package dev.pybudget.engine;

import dev.pybudget.recording.CallCount;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Calls counted inside the workload ({@link CallCounting#MONITORING}): the module
 * {@code pybudget_calls.py} (a resource next to this class) goes into a directory of its own as
 * {@code sitecustomize.py}, first on the workload's PYTHONPATH, and counts into a file both
 * processes map: the engine reads the counts at any instant (and after the workload is gone), and
 * writes the slots of the Java windows open now into the same file's header, where the module reads
 * them at each call it counts. The layout is described at the top of the module; the constants
 * here must match it.
 */
final class InProcessCalls implements AutoCloseable {

    static final String PROBE = "calls:monitoring";
    static final String RESOURCE = "pybudget_calls.py";

    private static final int MAGIC = 0x31434250; // "PBC1"
    private static final int MAX_IDS = 4096;
    private static final int HEADER = 64;
    private static final int JAVA_WINDOWS = 16;
    private static final int LOST_CALLS = 32;
    private static final int LOST_MARKS = 40;
    private static final int JAVA_OPEN = 48;
    private static final int JAVA_NAMES = HEADER + MAX_IDS * Layout.MAX_SLOTS * 8;
    private static final long SIZE = JAVA_NAMES + (long) (Layout.MAX_SLOTS - Layout.JAVA_SLOT_FIRST) * Layout.WINDOW_NAME_LEN;

    /** What the module has counted so far. */
    record Reading(boolean started, Optional<String> failure, Map<Integer, List<CallCount>> calls,
                   Map<Integer, String> pythonWindows, long lostCalls, long lostMarks) {}

    private final String pattern;
    private final Path directory;
    private final Path data;
    private final Path names;
    private final MappedByteBuffer shared;

    /**
     * The names file, open for the trace's life: a container workload's file is reached through /proc/PID/root,
     * which is gone once the workload exits, and the recording is still read after that.
     */
    private final FileChannel namesChannel;

    private InProcessCalls(String pattern, Path directory, Path data, Path names, MappedByteBuffer shared) throws IOException {
        this.pattern = pattern;
        this.directory = directory;
        this.data = data;
        this.names = names;
        this.shared = shared;
        this.namesChannel = FileChannel.open(names, java.nio.file.StandardOpenOption.READ);
    }

    /** A directory with the module, the (sparse) count file and the names file. */
    static InProcessCalls prepare(CallPattern pattern) {
        Path directory;
        try {
            directory = Files.createTempDirectory("pybudget-calls-");
        } catch (IOException e) {
            throw new TraceException("The in-process call counter could not be set up in a temporary directory: "
                    + e.getMessage() + ".", e);
        }
        return prepareIn(pattern, directory, false);
    }

    /**
     * The same files in {@code directory} (made here), e.g. a container workload's {@code /tmp/.pybudget-calls}
     * reached through {@code /proc/PID/root}; {@code shared}: the workload may run as another user, so its files
     * are writable by anyone (the directory is the workload's own, in its own file system).
     */
    static InProcessCalls prepareIn(CallPattern pattern, Path directory, boolean shared) {
        try {
            Files.createDirectories(directory);
            try (InputStream module = InProcessCalls.class.getResourceAsStream(RESOURCE)) {
                if (module == null) {
                    throw new TraceException("The jar lacks " + RESOURCE + ": rebuild it (mvn package).");
                }
                Files.copy(module, directory.resolve("sitecustomize.py"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Path data = directory.resolve("calls.bin");
            Path names = directory.resolve("calls.names");
            Files.deleteIfExists(names);
            Files.createFile(names);
            MappedByteBuffer map;
            try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
                file.setLength(SIZE);
                map = file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
            }
            if (shared) {
                for (Path p : List.of(directory, directory.resolve("sitecustomize.py"))) {
                    Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                            Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
                }
                for (Path p : List.of(data, names)) {
                    Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
                }
            }
            map.order(ByteOrder.LITTLE_ENDIAN);
            return new InProcessCalls(pattern.text(), directory, data, names, map);
        } catch (IOException e) {
            delete(directory);
            throw new TraceException("The in-process call counter could not be set up in " + directory + ": "
                    + e.getMessage() + ".", e);
        }
    }

    /** What the workload's environment needs for the module to load and find its files. */
    void addTo(Map<String, String> environment) {
        environment(environment, directory, pattern);
    }

    /** The variables that make the module load from {@code directory} (as the workload sees it) and count {@code pattern}. */
    static void environment(Map<String, String> environment, Path directory, String pattern) {
        String path = environment.get("PYTHONPATH");
        if (path != null) {
            environment.put("PYBUDGET_CALLS_PYTHONPATH", path);
        }
        environment.put("PYTHONPATH", directory + (path == null || path.isEmpty() ? "" : java.io.File.pathSeparator + path));
        environment.put("PYBUDGET_CALLS_DIR", directory.toString());
        environment.put("PYBUDGET_CALLS_FILE", directory.resolve("calls.bin").toString());
        environment.put("PYBUDGET_CALLS_NAMES", directory.resolve("calls.names").toString());
        environment.put("PYBUDGET_CALLS_PATTERN", pattern);
    }

    /**
     * The slot the module is to count the Java window {@code name} under: the slot of its Python window
     * of that name when it has one (one window, each call counted once), else {@code javaSlot}, whose name
     * goes into the file for a Python window of that name opened later to take.
     */
    int moduleSlot(String name, int javaSlot) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < Layout.WINDOW_NAME_LEN) {
            int at = JAVA_NAMES + (javaSlot - Layout.JAVA_SLOT_FIRST) * Layout.WINDOW_NAME_LEN;
            shared.put(at, bytes);
            shared.put(at + bytes.length, (byte) 0);
        }
        for (List<String> line : lines()) {
            if (line.get(0).equals("w") && line.get(2).equals(name)) {
                return Integer.parseInt(line.get(1));
            }
        }
        return javaSlot;
    }

    /**
     * The Java window at {@code index} (0..3) now holds {@code slot} (0: none). The module reads how many
     * are open first (one read per call it counts), then the slots: the count goes last.
     */
    void setJavaWindow(int index, int slot) {
        shared.putInt(JAVA_WINDOWS + 4 * index, slot);
        long open = 0;
        for (int i = 0; i < Layout.MAX_JAVA_OPEN; i++) {
            open += shared.getInt(JAVA_WINDOWS + 4 * i) != 0 ? 1 : 0;
        }
        shared.putLong(JAVA_OPEN, open);
    }

    Reading read() {
        if (shared.getInt(0) != MAGIC) {
            return new Reading(false, Optional.empty(), Map.of(), Map.of(), 0, 0);
        }
        long lostCalls = shared.getLong(LOST_CALLS);
        long lostMarks = shared.getLong(LOST_MARKS);
        Map<Integer, String[]> functions = new HashMap<>();
        Map<Integer, String> windows = new HashMap<>();
        Optional<String> failure = Optional.empty();
        for (List<String> line : lines()) {
            switch (line.get(0)) {
                case "f" -> functions.put(Integer.parseInt(line.get(1)), new String[] {line.get(2), line.get(3)});
                case "w" -> windows.put(Integer.parseInt(line.get(1)), line.get(2));
                case "e" -> failure = Optional.of(line.get(1));
                default -> throw new TraceException("The in-process call counter wrote a line pybudget does not know: "
                        + String.join("\t", line) + ".");
            }
        }
        if (shared.getInt(12) != 0) {
            return new Reading(true, Optional.of(failure.orElse("it failed")), Map.of(), Map.of(), 0, 0);
        }
        Map<Integer, List<CallCount>> calls = new HashMap<>();
        functions.forEach((id, name) -> {
            for (int slot = 0; slot < Layout.MAX_SLOTS; slot++) {
                long n = shared.getLong(HEADER + (id * Layout.MAX_SLOTS + slot) * 8);
                if (n > 0) {
                    calls.computeIfAbsent(slot, s -> new ArrayList<>()).add(new CallCount(name[0], name[1], n));
                }
            }
        });
        calls.replaceAll((slot, list) -> list.stream().sorted(Comparator.comparing(CallCount::count).reversed()
                .thenComparing(CallCount::file).thenComparing(CallCount::function)).toList());
        return new Reading(true, Optional.empty(), calls, windows, lostCalls, lostMarks);
    }

    /** The names file's complete lines, split at tabs and unescaped; a line still being written is left out. */
    private List<List<String>> lines() {
        String text;
        try {
            java.nio.ByteBuffer all = java.nio.ByteBuffer.allocate((int) namesChannel.size());
            while (all.hasRemaining() && namesChannel.read(all, all.position()) > 0) {
                // read(buffer, position) does not move the channel: the whole file each time
            }
            text = new String(all.array(), 0, all.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<List<String>> lines = new ArrayList<>();
        int start = 0;
        for (int end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
            List<String> fields = new ArrayList<>();
            for (String field : text.substring(start, end).split("\t", -1)) {
                fields.add(unescape(field));
            }
            lines.add(fields);
        }
        return lines;
    }

    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 1 < field.length()) {
                char next = field.charAt(++i);
                out.append(next == 't' ? '\t' : next == 'n' ? '\n' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Deletes the directory; the workload, if it still runs, keeps counting into its mapping, unread. */
    @Override
    public void close() {
        try {
            namesChannel.close();
        } catch (IOException e) {
            // Closing a read-only file: nothing to lose.
        }
        delete(directory);
    }

    private static void delete(Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // A temporary directory left behind is not worth failing the trace for.
        }
    }
}
