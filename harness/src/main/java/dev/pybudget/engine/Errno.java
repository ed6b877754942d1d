package dev.pybudget.engine;

import dev.pybudget.bindings.LibC;

/** errno values the engine turns into advice. */
final class Errno {
    private Errno() {}

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int EACCES = 13;
    static final int E2BIG = 7;
    static final int EBADF = 9;
    static final int EINVAL = 22;
    static final int ENOSPC = 28;
    static final int EOPNOTSUPP = 95;
    /** The kernel's own "not supported" (not in userspace errno.h), which BPF commands answer too. */
    static final int ENOTSUPP = 524;

    static String describe(int errno) {
        return LibC.INSTANCE.strerror(errno) + " (errno " + errno + ")";
    }

    static boolean isPermission(int errno) {
        return errno == EPERM || errno == EACCES;
    }

    static final String NEED_RIGHTS = "BPF programs and uprobes need CAP_SYS_ADMIN: run as root, or start the container with"
            + " --cap-add SYS_ADMIN (pybudget's containers do)";
}
