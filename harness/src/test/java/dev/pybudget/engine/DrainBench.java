package dev.pybudget.engine;

import dev.pybudget.elf.PythonBinary;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ring buffer's drain capacity, apart from how fast Python can produce: a gated workload
 * fills a large ring buffer with a burst of streamed audit events while nothing reads it; then an
 * {@link EventStream} is opened and the time until {@link EventStream#drain()} has handed every
 * record to Java is measured. Test code: it reaches the engine's package-private parts.
 */
public final class DrainBench {
    private DrainBench() {}

    /** @return events drained, nanoseconds to drain them, events lost (ring full) */
    public static long[] prefilled(Path dir, String python, String script, int events, int ringBytes) throws Exception {
        PythonBinary py = PythonBinary.inspect(Path.of(python));
        byte[] audit = new byte[Layout.AUDIT_SETTINGS_SIZE];
        Layout.putU32(audit, 0, 1);
        Layout.putU32(audit, 4, 48);
        Layout.putU32(audit, 8, 56);
        TraceOptions options = TraceOptions.defaults().withRingBufferBytes(ringBytes);
        try (BpfObjects bpf = BpfObjects.load(List.of(Concern.AUDIT), Map.of(Concern.AUDIT, audit), options)) {
            Process p = new ProcessBuilder("/bin/sh", "-c", "read _ && exec \"$0\" \"$@\"", python, script, Integer.toString(events))
                    .directory(dir.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            bpf.attach((int) p.pid(), py.probeBinary().toString(), Set.of("audit"), py.probes());
            try (OutputStream gate = p.getOutputStream()) {
                gate.write('\n');
            }
            p.waitFor();
            long t0 = System.nanoTime();
            int drained;
            try (EventStream stream = new EventStream(bpf.lib(), bpf.mapFd("events"), ringBytes, "drain-bench")) {
                drained = stream.drain().size();
            }
            long t1 = System.nanoTime();
            byte[] key = new byte[4];
            byte[] value = new byte[8];
            bpf.lib().bpf_map_lookup_elem(bpf.mapFd("losses"), key, value);
            return new long[] {drained, t1 - t0, Layout.u64(value, 0)};
        }
    }
}
