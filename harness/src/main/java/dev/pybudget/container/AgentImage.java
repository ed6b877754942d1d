package dev.pybudget.container;

import dev.pybudget.agent.AgentMain;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * pybudget's agent image, shared by the library and the command line: the agent runtime (containers/agent:
 * a JRE and libbpf1, no CPython) with the agent's classpath in a layer, and an AppCDS archive of the classes
 * the agent loads, made in the image by a training run ({@link AgentMain#TRAIN}) with the image's own JVM. A
 * start then copies nothing into the container, and the agent's JVM maps its classes instead of loading them
 * from the jars. Built once per classpath (its key in the tag: {@value #REPOSITORY}:KEY), tagged
 * {@code :VERSION} and {@code :latest} too; building one removes all but the two newest of the same runtime.
 */
final class AgentImage {
    private AgentImage() {}

    /** On each agent image: the id of the runtime image it was made from. */
    static final String LABEL = "dev.pybudget.agent-base";
    static final String REPOSITORY = "pybudget/agent";
    static final String RUNTIME = "pybudget/agent-runtime";
    static final String DIR = "/pybudget";
    static final String ARCHIVE = DIR + "/agent.jsa";
    /** Images of the same runtime kept when a new one is built: the library's and the command line's classpaths differ. */
    static final int KEEP = 2;

    /** The image's name and the agent's classpath in it. */
    record Baked(String image, List<String> classpath) {}

    /** By classpath key: built (or found) once per JVM. */
    private static final Map<String, Baked> BAKED = new ConcurrentHashMap<>();

    /**
     * The agent image for this classpath, built if need be.
     *
     * @param jvmFlags the flags the agent runs with: an archive is only used by a JVM started like the one that made it
     */
    static Baked of(Iterable<Path> entries, List<String> jvmFlags) {
        String runtime = BuiltImages.ensure("agent", RUNTIME);
        String runtimeId = DockerClientFactory.instance().client().inspectImageCmd(runtime).exec().getId();
        Map<String, Path> named = new LinkedHashMap<>();
        int n = 0;
        for (Path entry : entries) {
            String name = (n++) + "-" + entry.getFileName();
            named.put(Files.isDirectory(entry) && !name.endsWith(".jar") ? name + ".jar" : name, entry);
        }
        String key = key(runtimeId, named, jvmFlags);
        return BAKED.computeIfAbsent(key, k -> build(runtime, runtimeId, k, named, jvmFlags));
    }

    private static Baked build(String runtime, String runtimeId, String key, Map<String, Path> named, List<String> jvmFlags) {
        String tag = REPOSITORY + ":" + key;
        List<String> classpath = named.keySet().stream().map(name -> DIR + "/cp/" + name).toList();
        Baked baked = new Baked(tag, classpath);
        if (!BuiltImages.exists(tag)) {
            List<Path> temporary = new ArrayList<>();
            try {
                // Not deleted on exit by Testcontainers: the next run finds it.
                ImageFromDockerfile image = new ImageFromDockerfile(tag, false).withBuildImageCmdModifier(BuiltImages::leaveNothing);
                for (Map.Entry<String, Path> e : named.entrySet()) {
                    Path file = e.getValue();
                    if (Files.isDirectory(file)) {
                        file = jar(file); // a class directory: AppCDS archives classes from jars only
                        temporary.add(file);
                    }
                    image.withFileFromPath("cp/" + e.getKey(), file);
                }
                List<String> train = new ArrayList<>(List.of("java"));
                train.addAll(jvmFlags);
                train.addAll(List.of("-XX:ArchiveClassesAtExit=" + ARCHIVE, "-cp", String.join(":", classpath),
                        AgentMain.class.getName(), AgentMain.TRAIN, "/bin/sh"));
                image.withFileFromString("Dockerfile", String.join("\n",
                        "FROM " + runtime,
                        "COPY cp/ " + DIR + "/cp/",
                        // No CPython and no CAP_SYS_ADMIN here: the classes up to the ELF reading are archived.
                        "RUN " + String.join(" ", train.stream().map(AgentImage::quote).toList()) + " >/dev/null 2>&1; test -s " + ARCHIVE,
                        "LABEL " + LABEL + "=" + quote(runtimeId.replace("sha256:", "")),
                        ""));
                image.get();
            } catch (RuntimeException | IOException e) {
                throw new IllegalStateException("The pybudget agent image " + tag + " could not be built from " + runtime + ": "
                        + e.getMessage(), e);
            } finally {
                for (Path p : temporary) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        // A temporary jar left in the temp directory: harmless.
                    }
                }
            }
            BuiltImages.prune(LABEL, runtimeId.replace("sha256:", ""), KEEP);
        }
        BuiltImages.tagStable(tag, REPOSITORY);
        return baked;
    }

    private static String quote(String word) {
        return word.matches("[A-Za-z0-9_./:=+,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** The runtime image, the flags, and each entry's name, and its files' paths and contents. */
    private static String key(String baseId, Map<String, Path> named, List<String> jvmFlags) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            update(digest, baseId);
            jvmFlags.forEach(flag -> update(digest, flag));
            for (Map.Entry<String, Path> e : named.entrySet()) {
                update(digest, e.getKey());
                // Contents, not modification times: a rebuild that changes nothing (filtered resources are rewritten
                // by every Maven run) must find the same image.
                try (Stream<Path> files = Files.walk(e.getValue())) {
                    for (Path file : files.sorted().toList()) {
                        if (Files.isRegularFile(file)) {
                            update(digest, e.getValue().relativize(file).toString());
                            digest.update(Files.readAllBytes(file));
                        }
                    }
                }
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest digest, String text) {
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
    }

    private static Path jar(Path directory) throws IOException {
        Path jar = Files.createTempFile("pybudget-agent-", ".jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
                Stream<Path> files = Files.walk(directory)) {
            for (Path f : files.sorted().toList()) {
                if (Files.isRegularFile(f)) {
                    out.putNextEntry(new ZipEntry(directory.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
        }
        return jar;
    }
}
