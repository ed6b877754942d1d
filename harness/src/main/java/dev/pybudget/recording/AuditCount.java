package dev.pybudget.recording;

/** How often an audit event fired. */
public record AuditCount(String event, long count) {}
