package dev.pybudget.recording;

/** One streamed audit event (only when the recording asked for the stream). */
public record AuditEvent(String event, long nanos, long thread) {}
