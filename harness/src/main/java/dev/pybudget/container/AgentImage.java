package dev.pybudget.container;

import com.github.dockerjava.api.exception.NotFoundException;
import dev.pybudget.agent.AgentMain;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The workload image with the agent baked in: its classpath in a layer, and an AppCDS archive of the
 * classes the agent loads, made in the image by a training run ({@link AgentMain#TRAIN}) with the image's
 * own JVM. A start then copies nothing into the container, and the agent's JVM maps its classes instead of
 * loading them from the jars. Built once per base image and agent classpath (both in the tag), kept like
 * any image ({@value #REPOSITORY}:KEY): {@code docker image prune -a --filter label=dev.pybudget.agent-image}
 * removes them.
 */
final class AgentImage {
    private AgentImage() {}

    static final String LABEL = "dev.pybudget.agent-image";
    static final String REPOSITORY = "pybudget/agent";
    static final String ARCHIVE = PythonWorkloadContainer.AGENT_DIR + "/agent.jsa";

    /** The baked image's name and the agent's classpath in it. */
    record Baked(String image, List<String> classpath) {}

    /** By base image id and classpath key: built (or found) once per JVM; empty when it could not be built. */
    private static final Map<String, Optional<Baked>> BAKED = new ConcurrentHashMap<>();

    /**
     * The image with the agent in it, built if need be, or empty when it cannot be built (the base image has
     * no java, or the JVM cannot archive): the caller then copies the agent in at start, as before.
     *
     * @param jvmFlags the flags the agent runs with: an archive is only used by a JVM started like the one that made it
     */
    static Optional<Baked> of(String baseImage, Iterable<Path> entries, List<String> jvmFlags) {
        String baseId;
        try {
            baseId = DockerClientFactory.instance().client().inspectImageCmd(baseImage).exec().getId();
        } catch (NotFoundException e) {
            return Optional.empty();
        }
        Map<String, Path> named = new LinkedHashMap<>();
        int n = 0;
        for (Path entry : entries) {
            String name = (n++) + "-" + entry.getFileName();
            named.put(Files.isDirectory(entry) && !name.endsWith(".jar") ? name + ".jar" : name, entry);
        }
        String key = key(baseId, named, jvmFlags);
        return BAKED.computeIfAbsent(key, k -> build(baseImage, k, named, jvmFlags));
    }

    private static Optional<Baked> build(String baseImage, String key, Map<String, Path> named, List<String> jvmFlags) {
        String tag = REPOSITORY + ":" + key;
        List<String> classpath = named.keySet().stream().map(name -> PythonWorkloadContainer.AGENT_DIR + "/cp/" + name).toList();
        Baked baked = new Baked(tag, classpath);
        if (PythonImage.exists(tag)) {
            return Optional.of(baked);
        }
        List<Path> temporary = new ArrayList<>();
        try {
            ImageFromDockerfile image = new ImageFromDockerfile(tag, false);
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
                    AgentMain.class.getName(), AgentMain.TRAIN, "python3", "-c", "pass"));
            image.withFileFromString("Dockerfile", String.join("\n",
                    "FROM " + baseImage,
                    "COPY cp/ " + PythonWorkloadContainer.AGENT_DIR + "/cp/",
                    // Without CAP_SYS_ADMIN the training stops at the BPF load: the classes up to it are archived.
                    "RUN " + String.join(" ", train.stream().map(AgentImage::quote).toList()) + " >/dev/null 2>&1; test -s " + ARCHIVE,
                    "LABEL " + LABEL + "=" + quote(baseImage),
                    ""));
            image.get();
            return Optional.of(baked);
        } catch (RuntimeException | IOException e) {
            return Optional.empty(); // copied in at start instead: slower, and it works wherever the agent does
        } finally {
            for (Path p : temporary) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // A temporary jar left in the temp directory: harmless.
                }
            }
        }
    }

    private static String quote(String word) {
        return word.matches("[A-Za-z0-9_./:=+,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** The base image, the flags, and each entry's name, and its files' paths, sizes and modification times. */
    private static String key(String baseId, Map<String, Path> named, List<String> jvmFlags) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            update(digest, baseId);
            jvmFlags.forEach(flag -> update(digest, flag));
            for (Map.Entry<String, Path> e : named.entrySet()) {
                update(digest, e.getKey());
                try (Stream<Path> files = Files.walk(e.getValue())) {
                    for (Path file : files.sorted().toList()) {
                        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                        if (a.isRegularFile()) {
                            update(digest, e.getValue().relativize(file) + "/" + a.size() + "/" + a.lastModifiedTime().toMillis());
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
