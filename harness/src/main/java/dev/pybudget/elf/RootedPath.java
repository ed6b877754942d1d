package dev.pybudget.elf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Paths inside another process's file system, reached through its {@code /proc/PID/root}. Symlinks there
 * must be resolved by hand: {@link Path#toRealPath} (realpath(3)) reads the magic link {@code /proc/PID/root}
 * as "/" and goes on in this process's own file system, so {@code /usr/bin/python3 -> python3.11} in a
 * container would name the agent's file, not the workload's.
 */
public final class RootedPath {
    private RootedPath() {}

    private static final int MAX_LINKS = 40; // as Linux's MAXSYMLINKS

    /**
     * {@code path} (absolute, as the process sees it) with every symlink resolved inside {@code root};
     * the result is absolute as the process sees it. A null root is this process's own file system.
     */
    public static Path realPath(Path root, Path path) throws IOException {
        if (root == null) {
            return path.toRealPath();
        }
        Deque<String> todo = new ArrayDeque<>();
        push(todo, path.toString());
        Path resolved = Path.of("/");
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pop();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                resolved = resolved.getParent() == null ? resolved : resolved.getParent();
                continue;
            }
            Path next = resolved.resolve(part);
            Path onHost = onHost(root, next);
            if (Files.isSymbolicLink(onHost)) {
                if (++links > MAX_LINKS) {
                    throw new IOException(path + ": too many levels of symbolic links");
                }
                String target = Files.readSymbolicLink(onHost).toString();
                push(todo, target);
                if (target.startsWith("/")) {
                    resolved = Path.of("/");
                }
            } else if (Files.exists(onHost, LinkOption.NOFOLLOW_LINKS)) {
                resolved = next;
            } else {
                throw new NoSuchFileException(path.toString());
            }
        }
        return resolved;
    }

    /** Where {@code path} (absolute, as the process sees it) is for this process: under {@code root}. */
    public static Path onHost(Path root, Path path) {
        if (root == null) {
            return path;
        }
        return root.resolve(Path.of("/").relativize(path.isAbsolute() ? path : Path.of("/").resolve(path)));
    }

    private static void push(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }
}
