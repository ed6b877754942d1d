package dev.pybudget.bindings;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The few libc calls the JDK does not offer. */
public interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    /** Formats libbpf's log lines: its print callback hands us a va_list. */
    int vsnprintf(Pointer buffer, long size, String format, Pointer vaList);

    String strerror(int errno);

    int getpagesize();

    /** Maps the BPF ring buffer's pages ({@code size_t} and {@code off_t} are {@code long}). */
    Pointer mmap(Pointer address, long length, int protection, int flags, int fd, long offset);

    int munmap(Pointer address, long length);

    /** Waits for the ring buffer's epoll fd; events: room for maxEvents struct epoll_event (12 bytes each). */
    int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMs);

    int close(int fd);

    /** syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags): glibc has no wrapper. */
    int syscall(long number, byte[] attr, int pid, int cpu, int groupFd, long flags);

    /** syscall(SYS_bpf, cmd, attr, size): the bpf() commands libbpf 1.1 has no API for (multi-uprobe links). */
    long syscall(long number, long cmd, com.sun.jna.Pointer attr, long size);
}
