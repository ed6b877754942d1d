package dev.pybudget.elf;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads USDT semaphores in a live process. A semaphore is the 16-bit counter that libbpf asks the
 * kernel to raise on attach (ref_ctr_offset) and that the kernel lowers on detach; non-zero makes
 * CPython evaluate a probe's arguments. Reading it tells whether a probe is attached now.
 */
public final class Semaphores {

    private Semaphores() {
    }

    /**
     * The current value (unsigned 16-bit) of {@code probe}'s semaphore in process {@code pid}, where
     * {@code binary} is the file holding the probe (its {@link PythonBinary#probeBinary()}).
     *
     * @throws IOException if {@code binary} is not mapped writable in that process, or its memory cannot be read
     * @throws IllegalStateException if the probe has no semaphore
     */
    public static int read(long pid, Path binary, UsdtProbe probe) throws IOException {
        long address = address(pid, binary, probe);
        byte[] b = new byte[2];
        try (RandomAccessFile mem = new RandomAccessFile("/proc/" + pid + "/mem", "r")) {
            mem.seek(address);
            mem.readFully(b);
        }
        return (b[0] & 0xff) | (b[1] & 0xff) << 8;
    }

    /** The runtime address of {@code probe}'s semaphore in process {@code pid}. */
    static long address(long pid, Path binary, UsdtProbe probe) throws IOException {
        long fileOffset = probe.semaphoreFileOffset(ElfFile.read(binary));
        Path real = binary.toRealPath();
        long dev = (Long) Files.getAttribute(real, "unix:dev");
        long ino = (Long) Files.getAttribute(real, "unix:ino");
        // glibc's major()/minor() split of st_dev, to compare with the "major:minor" column of maps.
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        boolean mapped = false;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/maps"))) {
            // start-end perms offset major:minor inode [path]; the path may contain spaces.
            String[] f = line.trim().split("\\s+", 6);
            if (f.length < 5) {
                continue;
            }
            String[] devParts = f[3].split(":");
            // Inode and device identify the file; the path is the fallback for overlayfs, where stat()
            // reports the overlay's device but maps shows the underlying file's.
            boolean sameFile = Long.parseLong(f[4]) == ino && Long.parseLong(devParts[0], 16) == major
                    && Long.parseLong(devParts[1], 16) == minor
                    || f.length == 6 && f[5].equals(real.toString());
            if (!sameFile) {
                continue;
            }
            mapped = true;
            String[] range = f[0].split("-");
            long start = Long.parseUnsignedLong(range[0], 16), end = Long.parseUnsignedLong(range[1], 16);
            long offset = Long.parseUnsignedLong(f[2], 16);
            // The page holding the semaphore can be mapped twice (the tail of the read-only segment and
            // the head of the data segment share a file page); the kernel updates reference counters
            // only in a writable private mapping, so that is the one that counts.
            boolean writablePrivate = f[1].charAt(1) == 'w' && f[1].charAt(3) == 'p';
            if (writablePrivate && fileOffset >= offset && fileOffset - offset < end - start) {
                return start + (fileOffset - offset);
            }
        }
        if (!mapped) {
            throw new IOException(real + " is not mapped in process " + pid);
        }
        throw new IOException("process " + pid + " maps " + real + ", but no writable mapping of it holds file offset 0x"
                + Long.toHexString(fileOffset) + " (" + probe.provider() + ":" + probe.name() + "'s semaphore)");
    }
}
