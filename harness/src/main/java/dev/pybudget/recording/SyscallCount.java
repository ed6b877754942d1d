package dev.pybudget.recording;

/** How many times a syscall was entered, named as this architecture's kernel headers name it ("openat", "newfstatat"). */
public record SyscallCount(String name, long count) {}
