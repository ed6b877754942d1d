package dev.pybudget.container;

import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.Future;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.LazyFuture;

/**
 * A CPython image with USDT markers, a Java runtime and libbpf1 for the agent. The built-in
 * ones are built from the Dockerfiles in containers/ (shipped in the jar), tagged with a hash of
 * the Dockerfile so that they are built once and again only when the Dockerfile changes.
 */
public final class PythonImage {

    /** Debian 12's CPython 3.11: every probe (gc, import, audit, function__entry/return, line). */
    public static final PythonImage CPYTHON_3_11 = builtIn("cpython-3.11");
    /** Debian 13's CPython 3.13: gc, import and audit probes; no call probes (removed in 3.12). */
    public static final PythonImage CPYTHON_3_13 = builtIn("cpython-3.13");
    /** Debian unstable's CPython 3.14: gc, import and audit probes; no call probes (removed in 3.12). */
    public static final PythonImage CPYTHON_3_14 = builtIn("cpython-3.14");
    /** Debian unstable's CPython 3.15: gc, import, audit and again function__entry/function__return. */
    public static final PythonImage CPYTHON_3_15 = builtIn("cpython-3.15");

    private final String description;
    private final Future<String> image;

    private PythonImage(String description, Future<String> image) {
        this.description = description;
        this.image = image;
    }

    /** Any image whose CPython carries the markers and that has java (17+) and libbpf.so.1. */
    public static PythonImage of(String imageName) {
        return new PythonImage(imageName, new LazyFuture<>() {
            @Override
            protected String resolve() {
                return imageName;
            }
        });
    }

    private static PythonImage builtIn(String name) {
        String resource = "pybudget/containers/" + name + "/Dockerfile";
        return new PythonImage("pybudget/" + name, new LazyFuture<>() {
            @Override
            protected String resolve() {
                String tag = "pybudget/" + name + ":" + hash(resource);
                if (exists(tag)) {
                    return tag;
                }
                try {
                    return new ImageFromDockerfile(tag, false).withFileFromClasspath("Dockerfile", resource).get();
                } catch (RuntimeException e) {
                    throw new IllegalStateException("The image " + tag + " could not be built from " + resource
                            + " (its base image must be available: ci/setup-engine.sh seeds it): " + e.getMessage(), e);
                }
            }
        });
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

    private static String hash(String resource) {
        try (InputStream in = PythonImage.class.getClassLoader().getResourceAsStream(resource)) {
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

    Future<String> future() {
        return image;
    }

    @Override
    public String toString() {
        return description;
    }

}
