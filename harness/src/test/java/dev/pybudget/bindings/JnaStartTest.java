package dev.pybudget.bindings;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Platform;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JnaStartTest {

    @Test
    void should_unpack_jna_s_native_part_once_per_jna_version_whole(@TempDir Path cache) throws Exception {
        Path dir = JnaStart.unpacked(cache);
        Path library = dir.resolve(System.mapLibraryName("jnidispatch"));
        byte[] inJar;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(
                "com/sun/jna/" + Platform.RESOURCE_PREFIX + "/" + System.mapLibraryName("jnidispatch"))) {
            inJar = in.readAllBytes();
        }

        assertThat(dir.getFileName().toString()).startsWith("jna-5.").endsWith("-" + Platform.RESOURCE_PREFIX);
        assertThat(Files.readAllBytes(library)).isEqualTo(inJar);
        Object unpackedFirst = Files.readAttributes(library, "unix:ino").get("ino");
        assertThat(JnaStart.unpacked(cache)).isEqualTo(dir);
        assertThat(Files.readAttributes(library, "unix:ino").get("ino")).as("the same file, not unpacked again").isEqualTo(unpackedFirst);
        try (var left = Files.list(dir)) {
            assertThat(left).as("no partial file left").containsExactly(library);
        }
    }

    @Test
    void should_search_the_directories_jna_lists_before_it_asks_ldconfig() {
        assertThat(JnaStart.libraryDirectories()).startsWith("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu")
                .allSatisfy(dir -> assertThat(Path.of(dir)).isDirectory());
    }

    /** This JVM's JNA started through it (the engine's entry calls it first): libbpf and libc load from those directories. */
    @Test
    void should_leave_jna_loading_libbpf_and_libc() {
        JnaStart.prepare();

        assertThat(LibC.INSTANCE.getpagesize()).isPositive();
        assertThat(LibBpf.load()).isNotNull();
        assertThat(System.getProperty("jnidispatch.path")).as("JNA's native part, loaded from")
                .satisfiesAnyOf(p -> assertThat(p).endsWith("/pybudget/jna-5.17.0-linux-x86-64/libjnidispatch.so"),
                        p -> assertThat(p).contains("/JNA/temp/")); // another test touched JNA first in this JVM
    }
}
