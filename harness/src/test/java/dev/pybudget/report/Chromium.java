package dev.pybudget.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's chromium, headless, as the browser tests use it: a page's DOM after its scripts ran, what the page
 * wrote on the console, and a screenshot. ci/setup-engine.sh installs it; without it the tests fail and say so.
 */
final class Chromium {
    private Chromium() {}

    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final long TIMEOUT_SECONDS = 90;

    /** The DOM after the scripts ran, and the console lines ("INFO:CONSOLE... "message", source: ..."). */
    record Page(String dom, List<String> console) {}

    static Page load(Path html, Path work) throws IOException, InterruptedException {
        Path dom = work.resolve(html.getFileName() + ".dom.html");
        Path log = run(html, work, "--dump-dom", dom);
        List<String> console = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.contains(":CONSOLE")) {
                console.add(line);
            }
        }
        return new Page(Files.readString(dom), console);
    }

    static void screenshot(Path html, Path png, int width, int height, Path work) throws IOException, InterruptedException {
        Files.deleteIfExists(png);
        run(html, work, "--screenshot=" + png.toAbsolutePath(), null, "--window-size=" + width + "," + height,
                "--hide-scrollbars");
        if (!Files.isRegularFile(png)) {
            throw new AssertionError("chromium wrote no screenshot " + png);
        }
    }

    private static Path run(Path html, Path work, String mode, Path stdout, String... more) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: the HTML reports are checked in a real browser."
                    + " Install Debian's chromium (ci/setup-engine.sh does).");
        }
        Path profile = Files.createTempDirectory(work, "chromium-profile-");
        Path log = Files.createTempFile(work, "chromium-", ".log");
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", mode));
        command.addAll(List.of(more));
        command.add(html.toUri().toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
        pb.redirectOutput(stdout == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(stdout.toFile()));
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("chromium did not finish " + mode + " of " + html + " within " + TIMEOUT_SECONDS + " s");
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("chromium exited with " + p.exitValue() + " on " + html + ":\n" + Files.readString(log));
        }
        return log;
    }
}
