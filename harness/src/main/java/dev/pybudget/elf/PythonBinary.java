package dev.pybudget.elf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A CPython executable as a USDT preflight sees it: where its {@code python} markers are (the
 * executable itself, or the {@code libpython3.X.so} it is linked against), which probes they are, and
 * which CPython version it is. {@link #require(Collection)} turns a missing probe into one sentence a
 * user can act on.
 */
public final class PythonBinary {

    /** A CPython major.minor version. */
    public record MajorMinor(int major, int minor) implements Comparable<MajorMinor> {
        public boolean isAtLeast(int major, int minor) {
            return compareTo(new MajorMinor(major, minor)) >= 0;
        }

        @Override
        public int compareTo(MajorMinor o) {
            return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
        }

        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    static final String UNKNOWN = "unknown";
    private static final String PROVIDER = "python";
    /** The interpreter library; not {@code libpython3.so}, the stable-ABI stub that holds no interpreter. */
    private static final Pattern LIBPYTHON = Pattern.compile("libpython3\\.\\d+[a-z]*\\.so(\\.\\d+)*");
    /** major.minor in an installed file name: python3.11, python3.6m, libpython3.13t.so.1.0. */
    private static final Pattern NAME_VERSION = Pattern.compile("^(?:lib)?python(\\d)\\.(\\d{1,2})(?!\\d)");
    /**
     * PY_VERSION at the end of a string (group 1), either the whole string or after a character that
     * cannot belong to a version. The linker merges a string into the tail of a longer one: in pyenv's
     * builds "3.11.7" exists only as the end of the prefix "/root/.pyenv/versions/3.11.7".
     */
    private static final Pattern PY_VERSION_TAIL =
            Pattern.compile("(?:^|[^0-9A-Za-z.+])(3\\.\\d{1,2}\\.\\d{1,2}(?:(?:a|b|rc)\\d+)?\\+?)$");
    private static final Pattern MAJOR_MINOR = Pattern.compile("^(\\d+)\\.(\\d+)");
    private static final List<String> CALL_PROBES = List.of(Marker.FUNCTION_ENTRY.probe(), Marker.FUNCTION_RETURN.probe(),
            Marker.LINE.probe());
    private static final List<String> GC_PROBES = List.of(Marker.GC_START.probe(), Marker.GC_DONE.probe());
    private static final List<String> IMPORT_PROBES =
            List.of(Marker.IMPORT_START.probe(), Marker.IMPORT_DONE.probe());
    private static final String AUDIT_PROBE = Marker.AUDIT.probe();

    private final Path executable;
    private final Path probeBinary;
    /** The file system the paths are in, as seen from here; null: this host's. */
    private final Path root;
    private final boolean hasMarkers;
    private final List<UsdtProbe> probes;
    private final String version;

    private PythonBinary(Path executable, Path probeBinary, Path root, boolean hasMarkers, List<UsdtProbe> probes,
            String version) {
        this.executable = executable;
        this.probeBinary = probeBinary;
        this.root = root;
        this.hasMarkers = hasMarkers;
        this.probes = probes;
        this.version = version;
    }

    /**
     * Inspects the CPython {@code executable} (symlinks resolved). Its markers are taken from the
     * executable if it has a {@code .note.stapsdt}, else from the {@code libpython3.X.so} it needs, if
     * any: a CPython built with {@code --enable-shared} keeps its interpreter, markers included, there.
     *
     * @throws ElfException if a file is not a supported ELF binary, or the needed libpython is not found
     * @throws IOException if a file cannot be read
     */
    public static PythonBinary inspect(Path executable) throws IOException {
        return inspect(null, executable);
    }

    /**
     * As {@link #inspect(Path)}, for a CPython in another file system: {@code root} is where it is seen
     * from here (e.g. {@code /proc/PID/root} of a process in a container), {@code executable} the path as
     * that process sees it. Paths reported ({@link #executable()}, {@link #probeBinary()}, sentences) are
     * the process's; {@link #probeBinaryFile()} is where to attach from here. A null root is this host.
     */
    public static PythonBinary inspect(Path root, Path executable) throws IOException {
        Path exe = RootedPath.realPath(root, executable);
        ElfFile exeElf = ElfFile.read(RootedPath.onHost(root, exe));
        List<UsdtProbe> all = UsdtNotes.read(exeElf);
        ElfFile interpreter = exeElf;
        if (all.isEmpty()) {
            Optional<String> lib = exeElf.needed().stream().filter(n -> LIBPYTHON.matcher(n).matches()).findFirst();
            if (lib.isPresent()) {
                interpreter = ElfFile.read(RootedPath.onHost(root, findLibrary(root, exe, exeElf, lib.get())));
                all = UsdtNotes.read(interpreter);
            }
        }
        List<UsdtProbe> python = all.stream().filter(p -> p.provider().equals(PROVIDER)).toList();
        Path probeBinary = interpreter == exeElf ? exe : inRoot(root, interpreter.path());
        return new PythonBinary(exe, probeBinary, root, !all.isEmpty(), python, findVersion(interpreter, exe, probeBinary));
    }

    /** The executable, symlinks resolved. */
    public Path executable() {
        return executable;
    }

    /** The file that holds (or would hold) the markers: attach uprobes there. */
    public Path probeBinary() {
        return probeBinary;
    }

    /** {@link #probeBinary()} as this process reaches it: the path to attach the probes to. */
    public Path probeBinaryFile() {
        return RootedPath.onHost(root, probeBinary);
    }

    /** Whether {@link #probeBinary()} has a {@code .note.stapsdt} section with any stapsdt note. */
    public boolean hasMarkers() {
        return hasMarkers;
    }

    /**
     * PY_VERSION as found in the interpreter's read-only data (e.g. "3.11.2"), else major.minor from the
     * file names (e.g. "3.11"), else "unknown".
     */
    public String version() {
        return version;
    }

    public Optional<MajorMinor> versionMajorMinor() {
        return majorMinor(version);
    }

    /** The probes of provider {@code python}, in note order; a name may occur once per call site. */
    public List<UsdtProbe> probes() {
        return probes;
    }

    /** The first {@code python} probe called {@code name}. */
    public Optional<UsdtProbe> probe(String name) {
        return probes.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /**
     * Checks that every probe in {@code names} exists.
     *
     * @throws MissingProbeException naming the missing probes and why this CPython lacks them
     */
    public void require(Collection<String> names) {
        List<String> missing = missing(names);
        if (!missing.isEmpty()) {
            throw new MissingProbeException(executable, missing, explain(missing));
        }
    }

    /**
     * One sentence naming the probes of {@code names} this CPython lacks and why (the message
     * {@link #require(Collection)} throws), or empty when it has them all.
     */
    public Optional<String> explainMissing(Collection<String> names) {
        List<String> missing = missing(names);
        return missing.isEmpty() ? Optional.empty() : Optional.of(explain(missing));
    }

    private List<String> missing(Collection<String> names) {
        Set<String> present = probes.stream().map(UsdtProbe::name).collect(Collectors.toSet());
        return names.stream().distinct().filter(n -> !present.contains(n)).toList();
    }

    private String explain(List<String> missing) {
        String who = executable + " (" + describeVersion() + ")";
        if (!hasMarkers) {
            return who + " has no USDT markers (.note.stapsdt):"
                    + " use a CPython built with --with-dtrace, such as Debian's python3.11 or the"
                    + " pybudget/cpython-3.11 image.";
        }
        Set<String> reasons = new LinkedHashSet<>();
        for (String name : missing) {
            reasons.add(reason(name));
        }
        String what = missing.size() == 1 ? "probe " + missing.get(0) : "probes " + joinAnd(missing);
        return who + " has no USDT " + what + ": " + String.join("; ", reasons) + ".";
    }

    @Override
    public String toString() {
        return "PythonBinary[" + executable + ", probes in " + probeBinary + ", " + describeVersion() + "]";
    }

    private String describeVersion() {
        return version.equals(UNKNOWN) ? "CPython, version unknown" : "CPython " + version;
    }

    /** Why this CPython, which has markers, lacks probe {@code name}; a clause without final period. */
    private String reason(String name) {
        Optional<MajorMinor> v = versionMajorMinor();
        if (CALL_PROBES.contains(name)) {
            // PEP 669 (sys.monitoring) replaced the tracing hooks these probes sat on.
            // 3.15 restored function__entry/function__return (not line).
            if (v.isPresent() && (!v.get().isAtLeast(3, 12) || v.get().isAtLeast(3, 15) && !name.equals("line"))) {
                return v.get().isAtLeast(3, 15)
                        ? "CPython 3.15 and later define the function__entry/function__return probes, so this build left them out"
                        : "CPython 3.11 and earlier define the function__entry/function__return/line probes,"
                                + " so this build left them out";
            }
            return "CPython 3.12 to 3.14 have no function__entry/function__return/line probes (3.15 restored the first two),"
                    + " so count calls in process there (CallCounting.MONITORING, --calls-by monitoring)";
        }
        if (GC_PROBES.contains(name)) {
            return "CPython 3.6 and later define the gc__start/gc__done probes, so this build left them out";
        }
        if (IMPORT_PROBES.contains(name)) {
            if (v.isPresent() && !v.get().isAtLeast(3, 7)) {
                return "CPython added the import__find__load__start/import__find__load__done probes in 3.7,"
                        + " and this one is older";
            }
            return "CPython 3.7 and later define the import__find__load__start/import__find__load__done probes,"
                    + " so this build left them out";
        }
        if (name.equals(AUDIT_PROBE)) {
            if (v.isPresent() && !v.get().isAtLeast(3, 8)) {
                return "CPython added the audit probe in 3.8, and this one is older";
            }
            return "CPython 3.8 and later define the audit probe, so this build left it out";
        }
        List<String> known = new ArrayList<>(CALL_PROBES);
        known.addAll(GC_PROBES);
        known.addAll(IMPORT_PROBES);
        known.add(AUDIT_PROBE);
        return name + " is not one of CPython's probes (" + String.join(", ", known) + ")";
    }

    private static Path inRoot(Path root, Path onHost) {
        return root == null ? onHost : Path.of("/").resolve(root.relativize(onHost));
    }

    private static String joinAnd(List<String> names) {
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
    }

    /**
     * Finds a DT_NEEDED library the way ld.so would, minus LD_LIBRARY_PATH and ld.so.cache (the
     * workload's environment is not ours to know): DT_RUNPATH if present, else DT_RPATH, with
     * {@code $ORIGIN} expanded, then the default directories.
     */
    private static Path findLibrary(Path root, Path exePath, ElfFile exe, String name) throws IOException {
        List<String> dirs = new ArrayList<>();
        if (name.contains("/")) {
            dirs.add("");
        } else {
            String origin = exePath.getParent().toString();
            for (String dir : exe.runpath().isEmpty() ? exe.rpath() : exe.runpath()) {
                if (!dir.isEmpty()) {
                    dirs.add(dir.replace("${ORIGIN}", origin).replace("$ORIGIN", origin));
                }
            }
            String triple = exe.machine().multiarchTriple();
            dirs.addAll(List.of("/lib/" + triple, "/usr/lib/" + triple, "/lib64", "/usr/lib64", "/lib", "/usr/lib",
                    "/usr/local/lib"));
        }
        for (String dir : dirs) {
            Path candidate = dir.isEmpty() ? Path.of(name) : Path.of(dir, name);
            if (Files.isRegularFile(RootedPath.onHost(root, candidate.toAbsolutePath()))) {
                return RootedPath.realPath(root, candidate.toAbsolutePath());
            }
        }
        throw new ElfException(exePath + " needs " + name + ", which is in none of " + String.join(", ", dirs)
                + " (its RUNPATH/RPATH and the default library directories)");
    }

    /**
     * PY_VERSION from the interpreter's .rodata, checked against major.minor in the file names (the
     * rodata also holds unrelated version-like strings, e.g. "3.2.0" in Debian's python3.11).
     */
    private static String findVersion(ElfFile interpreter, Path exe, Path probeBinary) throws IOException {
        Optional<MajorMinor> fromName = majorMinorOfName(exe).or(() -> majorMinorOfName(probeBinary));
        Set<String> whole = new LinkedHashSet<>(), tails = new LinkedHashSet<>();
        Optional<ElfFile.Section> rodata = interpreter.section(".rodata");
        if (rodata.isPresent()) {
            byte[] data = interpreter.contents(rodata.get());
            int start = 0;
            for (int i = 0; i < data.length; i++) {
                if (data[i] != 0) {
                    continue;
                }
                // Only strings ending like a version need the regex; a window of 32 bytes before the NUL
                // holds any version and the character before it.
                if (i > start && (Character.isDigit(data[i - 1]) || data[i - 1] == '+')) {
                    int from = Math.max(start, i - 32);
                    // The regex needs "3.N", which most strings ending in a digit lack: skipping them saves a cold
                    // JVM ~0.1 s of regex matching on Debian's python3.11.
                    if (!holdsThreeDotDigit(data, from, i)) {
                        start = i + 1;
                        continue;
                    }
                    String s = new String(data, from, i - from, StandardCharsets.ISO_8859_1);
                    Matcher m = PY_VERSION_TAIL.matcher(s);
                    if (m.find()) {
                        (from == start && m.start(1) == 0 ? whole : tails).add(m.group(1));
                    }
                }
                start = i + 1;
            }
        }
        if (fromName.isPresent()) {
            MajorMinor mm = fromName.get();
            for (Set<String> candidates : List.of(whole, tails)) {
                for (String c : candidates) {
                    if (majorMinor(c).orElseThrow().equals(mm)) {
                        return c;
                    }
                }
            }
            return mm.toString();
        }
        return whole.size() == 1 ? whole.iterator().next() : UNKNOWN;
    }

    /** Whether data[from, to) holds "3." followed by a digit, as every PY_VERSION does. */
    private static boolean holdsThreeDotDigit(byte[] data, int from, int to) {
        for (int k = from; k + 2 < to; k++) {
            if (data[k] == '3' && data[k + 1] == '.' && data[k + 2] >= '0' && data[k + 2] <= '9') {
                return true;
            }
        }
        return false;
    }

    private static Optional<MajorMinor> majorMinorOfName(Path file) {
        Matcher m = NAME_VERSION.matcher(file.getFileName().toString());
        return m.find() ? Optional.of(new MajorMinor(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))))
                : Optional.empty();
    }

    private static Optional<MajorMinor> majorMinor(String version) {
        Matcher m = MAJOR_MINOR.matcher(version);
        return m.find() ? Optional.of(new MajorMinor(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))))
                : Optional.empty();
    }
}
