package dev.pybudget.bindings;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts JNA without its two per-process costs, measured in a cold JVM (the command line) at 70-80 ms before
 * the first trace can load anything: its search path for libraries comes from running {@code /sbin/ldconfig -p}
 * (a process, 45-50 ms), and its native part is unpacked from the jar into a new temporary file on every start
 * (25-30 ms with the SecureRandom that names it). Here the search path is the directories JNA would list first
 * anyway (a library elsewhere is still found: JNA hands a name it did not find to dlopen, which reads
 * ld.so.cache), and the native part is unpacked once per JNA version into {@link CacheDirectory}. A property
 * already set by the user wins; a cache that cannot be written leaves JNA to unpack as it does by default.
 * Must run before any JNA class initialises: {@link #prepare()} is called by the engine's and the agent's entry points.
 */
public final class JnaStart {

    private static boolean prepared;

    public static synchronized void prepare() {
        if (prepared) {
            return;
        }
        prepared = true;
        if (System.getProperty("jna.platform.library.path") == null && Platform.isLinux()) {
            System.setProperty("jna.platform.library.path", String.join(":", libraryDirectories()));
        }
        if (System.getProperty("jna.boot.library.path") == null) {
            try {
                System.setProperty("jna.boot.library.path", unpacked(CacheDirectory.path()).toString());
            } catch (IOException | RuntimeException e) {
                // JNA unpacks its native part itself, as it does without us.
            }
        }
    }

    /** The directories JNA searches before it asks ldconfig, that exist here. */
    static List<String> libraryDirectories() {
        String multiArch = (Platform.isIntel() ? (Platform.is64Bit() ? "x86_64" : "i386")
                : Platform.isARM() ? (Platform.is64Bit() ? "aarch64" : "arm") : Platform.ARCH) + "-linux-gnu";
        String bits = Platform.is64Bit() ? "64" : "32";
        List<String> found = new ArrayList<>();
        for (String dir : List.of("/usr/lib/" + multiArch, "/lib/" + multiArch, "/usr/lib" + bits, "/lib" + bits, "/usr/lib", "/lib")) {
            if (Files.isDirectory(Path.of(dir))) {
                found.add(dir);
            }
        }
        return found;
    }

    /** The directory under {@code cache} holding JNA's native part for this JNA version, unpacked there once (written whole, then renamed). */
    static Path unpacked(Path cache) throws IOException {
        String library = System.mapLibraryName("jnidispatch");
        Path dir = cache.resolve("jna-" + Native.VERSION + "-" + Platform.RESOURCE_PREFIX);
        Path target = dir.resolve(library);
        if (Files.isRegularFile(target)) {
            return dir;
        }
        String resource = "com/sun/jna/" + Platform.RESOURCE_PREFIX + "/" + library;
        try (InputStream in = JnaStart.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is not on the class path");
            }
            Files.createDirectories(dir);
            Path partial = Files.createTempFile(dir, library, ".partial");
            try {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
        return dir;
    }

    private JnaStart() {}
}
