package dev.pybudget.recording;

/** The interpreter that was traced. */
public record PythonInfo(String executable, String version, long pid) {}
