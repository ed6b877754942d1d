package dev.pybudget.container;

import java.util.concurrent.Future;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.LazyFuture;

/**
 * The image of a workload: any image whose CPython carries USDT markers and that has {@code /bin/sh} and
 * {@code mkfifo} (for the gate). It needs nothing of pybudget's: the agent runs in a container of its own
 * ({@link AgentImage}). The built-in ones are built from the Dockerfiles in containers/ (shipped in the jar)
 * and tagged {@code pybudget/cpython-3.11:HASH} (built again only when the Dockerfile changes), {@code :VERSION}
 * (pybudget's version) and {@code :latest}, so a Dockerfile can say {@code FROM pybudget/cpython-3.11:latest}.
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

    /** Your image, e.g. {@code registry/checkout-service:1.4}: a CPython with markers, {@code /bin/sh} and {@code mkfifo}. */
    public static PythonImage of(String imageName) {
        return of(DockerImageName.parse(imageName));
    }

    /** Your image: a CPython with markers, {@code /bin/sh} and {@code mkfifo}. */
    public static PythonImage of(DockerImageName imageName) {
        String name = imageName.asCanonicalNameString();
        return new PythonImage(imageName.toString(), new LazyFuture<>() {
            @Override
            protected String resolve() {
                return name;
            }
        });
    }

    private static PythonImage builtIn(String name) {
        return new PythonImage("pybudget/" + name, new LazyFuture<>() {
            @Override
            protected String resolve() {
                return BuiltImages.ensure(name, "pybudget/" + name);
            }
        });
    }

    /**
     * The image's name once it is there (a built-in image is built on first use), as Testcontainers takes it:
     * {@code new GenericContainer<>(PythonImage.CPYTHON_3_11.future())} for a service of your own that pybudget
     * attaches to ({@link PythonProbes#attach}).
     */
    public Future<String> future() {
        return image;
    }

    @Override
    public String toString() {
        return description;
    }
}
