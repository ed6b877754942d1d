package dev.pybudget.agent;

/**
 * The agent's channel: JSON lines over TCP, one request and one response per line.
 *
 * <pre>
 * {"id":1,"op":"hello","token":"..."}   -> {"id":1,"ok":true,"protocol":1,"pid":42,"python":"3.11.2","record":true}
 * {"id":2,"op":"snapshot"}              -> {"id":2,"ok":true,"recording":{...JSON report, schema 1...},"running":true}
 * {"id":3,"op":"open","name":"request"} -> {"id":3,"ok":true,"window":0}
 * {"id":4,"op":"close","window":0}      -> {"id":4,"ok":true}
 * "open" and "close" with "snapshot":true also answer "recording" and "running" as "snapshot" does, taken just
 * before the window opens and just after it closes: record() in two round trips instead of four.
 * "open" with "record":true keeps a reading taken just before the window opens, in the agent, and answers no more
 * than a plain open; "close" with "record":true then answers "recording" (what happened between that reading and
 * one taken just after the window closed, the window included: WindowedRun.between of the two, a few hundred bytes
 * for a window that saw little) and "running". A close with "record" of a window opened without it is an error
 * (the window is closed all the same); "record" takes precedence over "snapshot". Agents that have it say
 * "record":true in their hello; an older one does not, and its harness takes the two snapshots instead.
 * {"id":5,"op":"stop"}                  -> {"id":5,"ok":true}   (stops the workload, ends the trace)
 * {"id":6,"op":"status"}                -> {"id":6,"ok":true,"running":false,"exitStatus":0}
 * anything else                         -> {"id":...,"ok":false,"error":"one sentence"}
 * </pre>
 *
 * <p>Each connection must start with {@code hello} carrying the token the harness gave the agent in
 * {@link #TOKEN_ENV} (a random value per container); a connection that sends anything else first, or
 * nothing within {@link #HELLO_TIMEOUT_MS}, gets one error line and is closed. After that, a bad request
 * (not JSON, not an object, an unknown op, a line over {@link #MAX_LINE} bytes) gets an error line and
 * the connection goes on. At most {@link #MAX_CLIENTS} connections are served at once.
 */
public final class AgentProtocol {
    private AgentProtocol() {}

    public static final int VERSION = 1;
    public static final int PORT = 7777;
    /** Printed on stderr once the probes are attached and the workload is released. */
    public static final String READY = "pybudget-agent: probes attached, workload released";
    /** Printed on stderr, followed by one sentence, when the agent cannot trace. */
    public static final String ERROR = "pybudget-agent: error: ";
    /** A request line longer than this (in bytes) is refused without being held or parsed. */
    public static final int MAX_LINE = 64 * 1024;
    /** The environment variable that gives the agent its token; the workload does not inherit it. */
    public static final String TOKEN_ENV = "PYBUDGET_AGENT_TOKEN";
    /** A connection must say hello, with the token, within this time. */
    public static final int HELLO_TIMEOUT_MS = 5000;
    /** Where the workload's gate is made, in its own file system: /tmp is writable for any user in most images. */
    public static final String GATE_FIFO = "/tmp/.pybudget-gate";
    /**
     * The workload container's command: {@code sh -c GATE_SCRIPT python3 app.py ...}. The shell makes the fifo
     * (0622: the agent, root without CAP_DAC_OVERRIDE, must write it when the workload runs as another user),
     * blocks on it until the agent has attached to the shell's pid, then execs CPython: the probes see its first
     * bytecode. If the agent never writes, the workload never runs.
     */
    public static final String GATE_SCRIPT = "[ -p " + GATE_FIFO + " ] || mkfifo -m 0622 " + GATE_FIFO
            + " || { echo 'pybudget: the gate " + GATE_FIFO + " could not be made: /bin/sh and mkfifo are needed' >&2; exit 126; };"
            + " read _ < " + GATE_FIFO + "; exec \"$0\" \"$@\"";
    /** Connections served at once; more are refused with an error line. */
    public static final int MAX_CLIENTS = 8;
}
