package dev.pybudget.cli;

import dev.pybudget.engine.CallCounting;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import java.util.Arrays;
import java.util.List;

/**
 * The first thing the command line does for {@code trace [OPTIONS] -- PYTHON SCRIPT} on this host: it has the
 * engine read the interpreter's ELF and the kernel load the BPF programs on a background thread
 * ({@link Tracer#prepare}) while this thread parses the command line (picocli's start alone takes 0.1-0.3 s
 * here). Only the options that change what is loaded are read, naively: when they turn out otherwise (or the
 * command line is wrong), the trace's start frees what was prepared and loads its own, and picocli says what
 * is wrong. Nothing here decides anything a user sees.
 */
final class StartAhead {
    private StartAhead() {}

    static void begin(String[] args) {
        List<String> all = Arrays.asList(args);
        int dashes = all.indexOf("--");
        if (args.length == 0 || !args[0].equals("trace") || dashes < 0 || args.length - dashes < 3) {
            return;
        }
        TraceOptions options = TraceOptions.defaults();
        try {
            for (int i = 1; i < dashes; i++) {
                String option = args[i];
                String value = option.contains("=") ? option.substring(option.indexOf('=') + 1)
                        : i + 1 < dashes ? args[i + 1] : "";
                switch (option.contains("=") ? option.substring(0, option.indexOf('=')) : option) {
                    case "--container", "--attach", "--help", "-h", "-V", "--version" -> {
                        return; // not a trace on this host
                    }
                    case "--kernel" -> options = options.withKernelContext(true);
                    case "--calls" -> options = options.withCallPattern(value);
                    case "--calls-by" -> options = options.withCallCounting(CallCounting.parse(value));
                    default -> { }
                }
            }
        } catch (IllegalArgumentException e) {
            return; // a malformed option: picocli and the options' own checks say so
        }
        Tracer.prepare(args[dashes + 1], System.getenv("PATH"), options);
    }
}
