package dev.pybudget.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Image;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * pybudget's own images: built from a Dockerfile of containers/ (in the jar) and tagged by its hash, by
 * pybudget's version and {@code latest}; found again instead of rebuilt while the Dockerfile is the same.
 */
final class BuiltImages {
    private BuiltImages() {}

    /** pybudget's version, as in its stable image tags. */
    static final String VERSION = readVersion();

    /** {@code repository:HASH} built from containers/DIR/Dockerfile if need be, tagged {@code :VERSION} and {@code :latest}. */
    static String ensure(String dir, String repository) {
        String resource = "pybudget/containers/" + dir + "/Dockerfile";
        String tag = repository + ":" + hash(resource);
        if (!exists(tag)) {
            try {
                new ImageFromDockerfile(tag, false).withFileFromClasspath("Dockerfile", resource)
                        .withBuildImageCmdModifier(BuiltImages::leaveNothing).get();
            } catch (RuntimeException e) {
                throw new IllegalStateException("The image " + tag + " could not be built from " + resource
                        + " (its base image must be available: ci/setup-engine.sh seeds it): " + e.getMessage(), e);
            }
        }
        tagStable(tag, repository);
        return tag;
    }

    /** Adds {@code repository:VERSION} and {@code repository:latest} to {@code image} where they name another image. */
    static void tagStable(String image, String repository) {
        DockerClient docker = DockerClientFactory.instance().client();
        String id = docker.inspectImageCmd(image).exec().getId();
        for (String stable : List.of(VERSION, "latest")) {
            String name = repository + ":" + stable;
            try {
                if (id.equals(docker.inspectImageCmd(name).exec().getId())) {
                    continue;
                }
            } catch (NotFoundException e) {
                // Not tagged yet.
            }
            docker.tagImageCmd(id, repository, stable).withForce(true).exec();
        }
    }

    /** How long a built image is kept whatever the number of newer ones: see {@link #prune}. */
    static final Duration PRUNE_AFTER = Duration.ofDays(1);

    /**
     * Removes the images labelled {@code label=value} but the {@code keep} newest, oldest first: derived images of
     * one base pile up otherwise, one per pybudget build. An image a container still uses stays (Docker refuses),
     * and so does one built in the last {@link #PRUNE_AFTER}: another build's run on the same engine (CI jobs of
     * two branches on one runner) starts its containers from it between now and then. Four builds at once here
     * removed one another's agent images, and a test run lost 31 tests to "No such image".
     */
    static void prune(String label, String value, int keep) {
        prune(label, value, keep, PRUNE_AFTER);
    }

    static void prune(String label, String value, int keep, Duration keepBuiltWithin) {
        DockerClient docker = DockerClientFactory.instance().client();
        long recent = Instant.now().minus(keepBuiltWithin).getEpochSecond();
        List<Image> images = docker.listImagesCmd().withLabelFilter(Map.of(label, value)).exec().stream()
                .sorted(Comparator.comparing(Image::getCreated).reversed()).toList();
        for (Image old : images.subList(Math.min(keep, images.size()), images.size())) {
            if (old.getCreated() != null && old.getCreated() > recent) {
                continue;
            }
            try {
                docker.removeImageCmd(old.getId()).withForce(false).exec();
            } catch (DockerException e) {
                // In use, or tagged elsewhere too: it stays.
            }
        }
    }

    /** A build that fails leaves no exited intermediate container behind (Docker keeps it unless told). */
    static void leaveNothing(com.github.dockerjava.api.command.BuildImageCmd build) {
        build.withForcerm(true).withRemove(true);
    }

    /** Whether the Docker engine has an image of that name. */
    static boolean exists(String tag) {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(tag).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    static String hash(String resource) {
        try (InputStream in = BuiltImages.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("The Dockerfile " + resource + " is not on the classpath: rebuild pybudget.");
            }
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(in.readAllBytes());
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readVersion() {
        try (InputStream in = BuiltImages.class.getClassLoader().getResourceAsStream("pybudget/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "dev");
            return v.startsWith("$") ? "dev" : v;
        } catch (IOException e) {
            return "dev";
        }
    }
}
