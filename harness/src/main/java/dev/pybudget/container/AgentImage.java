package dev.pybudget.container;

import dev.pybudget.agent.AgentMain;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * pybudget's agent image, one for the library and the command line: the agent runtime (containers/agent: a JRE
 * and libbpf1, no CPython), one jar with what the agent runs (pybudget's classes and BPF objects, JNA, Jackson,
 * taken from this JVM's classpath, whether that is target/classes and Maven's jars or the command line's
 * pybudget.jar), and an AppCDS archive of the classes the agent loads, made in the image by a training run
 * ({@link AgentMain#TRAIN}). Tagged {@value #REPOSITORY}:KEY, KEY a hash of the jar's contents (not of file
 * dates or packaging: the same sources give the same image), and {@code :VERSION} and {@code :latest}; building
 * one removes all but the {@value #KEEP} newest of the same runtime and those built in the last day.
 */
final class AgentImage {
    private AgentImage() {}

    /** On each agent image: the id of the runtime image it was made from. */
    static final String LABEL = "dev.pybudget.agent-base";
    static final String REPOSITORY = "pybudget/agent";
    static final String RUNTIME = "pybudget/agent-runtime";
    static final String DIR = "/pybudget";
    static final String JAR = DIR + "/agent.jar";
    static final String ARCHIVE = DIR + "/agent.jsa";
    static final int KEEP = 2;
    /** What the agent runs: everything else on a classpath (JUnit, Testcontainers) stays out of its image. */
    static final List<String> CONTENTS = List.of("dev/pybudget/", "bpf/", "com/sun/jna/", "com/fasterxml/jackson/");

    /** The image's name and the agent's classpath in it. */
    record Baked(String image, List<String> classpath) {}

    /** By key: built (or found) once per JVM. */
    private static final Map<String, Baked> BAKED = new ConcurrentHashMap<>();

    /**
     * The agent image for what these classpath entries hold, built if need be.
     *
     * @param jvmFlags the flags the agent runs with: an archive is only used by a JVM started like the one that made it
     */
    static Baked of(Iterable<Path> entries, List<String> jvmFlags) {
        String runtime = BuiltImages.ensure("agent", RUNTIME);
        String runtimeId = DockerClientFactory.instance().client().inspectImageCmd(runtime).exec().getId().replace("sha256:", "");
        SortedMap<String, byte[]> contents = contents(entries);
        String key = key(runtimeId, contents, jvmFlags);
        return BAKED.computeIfAbsent(key, k -> build(runtime, runtimeId, k, contents, jvmFlags));
    }

    private static Baked build(String runtime, String runtimeId, String key, SortedMap<String, byte[]> contents,
                               List<String> jvmFlags) {
        String tag = REPOSITORY + ":" + key;
        Baked baked = new Baked(tag, List.of(JAR));
        if (!BuiltImages.exists(tag)) {
            Path jar = null;
            try {
                jar = jar(contents);
                List<String> train = new ArrayList<>(List.of("java"));
                train.addAll(jvmFlags);
                train.addAll(List.of("-XX:ArchiveClassesAtExit=" + ARCHIVE, "-cp", JAR, AgentMain.class.getName(), AgentMain.TRAIN,
                        "/bin/sh"));
                // Not deleted on exit by Testcontainers: the next run finds it.
                new ImageFromDockerfile(tag, false).withBuildImageCmdModifier(BuiltImages::leaveNothing)
                        .withFileFromPath("agent.jar", jar)
                        .withFileFromString("Dockerfile", String.join("\n",
                                "FROM " + runtime,
                                "COPY agent.jar " + JAR,
                                // No CPython and no CAP_SYS_ADMIN here: the classes up to the ELF reading are archived.
                                "RUN " + String.join(" ", train.stream().map(AgentImage::quote).toList()) + " >/dev/null 2>&1; test -s "
                                        + ARCHIVE,
                                "LABEL " + LABEL + "=" + runtimeId,
                                ""))
                        .get();
            } catch (RuntimeException | IOException e) {
                throw new IllegalStateException("The pybudget agent image " + tag + " could not be built from " + runtime + ": "
                        + e.getMessage(), e);
            } finally {
                if (jar != null) {
                    try {
                        Files.deleteIfExists(jar);
                    } catch (IOException e) {
                        // A temporary jar left in the temp directory: harmless.
                    }
                }
            }
            BuiltImages.prune(LABEL, runtimeId, KEEP);
        }
        BuiltImages.tagStable(tag, REPOSITORY);
        return baked;
    }

    /** The agent's files from class directories and jars, by name; the first of a name wins, as on a classpath. */
    private static SortedMap<String, byte[]> contents(Iterable<Path> entries) {
        SortedMap<String, byte[]> contents = new TreeMap<>();
        try {
            for (Path entry : entries) {
                if (Files.isDirectory(entry)) {
                    try (Stream<Path> files = Files.walk(entry)) {
                        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                            String name = entry.relativize(file).toString().replace('\\', '/');
                            if (wanted(name) && !contents.containsKey(name)) {
                                contents.put(name, Files.readAllBytes(file));
                            }
                        }
                    }
                } else {
                    try (ZipFile zip = new ZipFile(entry.toFile())) {
                        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                            ZipEntry z = e.nextElement();
                            if (!z.isDirectory() && wanted(z.getName()) && !contents.containsKey(z.getName())) {
                                try (InputStream in = zip.getInputStream(z)) {
                                    contents.put(z.getName(), in.readAllBytes());
                                }
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("The agent's classes could not be read from the classpath: " + e.getMessage(), e);
        }
        return contents;
    }

    private static boolean wanted(String name) {
        return CONTENTS.stream().anyMatch(name::startsWith);
    }

    private static String quote(String word) {
        return word.matches("[A-Za-z0-9_./:=+,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** The runtime image, the flags, and the jar's names and contents. */
    private static String key(String runtimeId, SortedMap<String, byte[]> contents, List<String> jvmFlags) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            update(digest, runtimeId);
            jvmFlags.forEach(flag -> update(digest, flag));
            contents.forEach((name, bytes) -> {
                update(digest, name);
                digest.update(bytes);
            });
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest digest, String text) {
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
    }

    private static Path jar(SortedMap<String, byte[]> contents) throws IOException {
        Path jar = Files.createTempFile("pybudget-agent-", ".jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            for (Map.Entry<String, byte[]> e : contents.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return jar;
    }
}
