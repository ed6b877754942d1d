package dev.pybudget.engine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * This architecture's syscall names by number, as the kernel headers the BPF objects were built with
 * name them (bpf/Makefile generates bpf/syscalls.txt from asm/unistd.h): "openat", "newfstatat".
 */
public final class Syscalls {
    private Syscalls() {}

    private static final Map<Integer, String> BY_NUMBER = load();
    private static final Set<String> NAMES = Collections.unmodifiableSet(new TreeSet<>(BY_NUMBER.values()));

    /** The syscall's name, or "syscall_N" for a number the table does not have. */
    public static String name(int nr) {
        return BY_NUMBER.getOrDefault(nr, "syscall_" + nr);
    }

    /** Every name in the table; empty when the jar was built without it. */
    public static Set<String> names() {
        return NAMES;
    }

    private static Map<Integer, String> load() {
        Map<Integer, String> names = new HashMap<>();
        try (InputStream in = Syscalls.class.getResourceAsStream("/bpf/syscalls.txt")) {
            if (in == null) {
                return names;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String[] f = line.trim().split(" ");
                if (f.length == 2) {
                    names.putIfAbsent(Integer.parseInt(f[0]), f[1]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }
}
