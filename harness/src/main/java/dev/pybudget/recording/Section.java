package dev.pybudget.recording;

/**
 * One probe family's part of a scope (the kernel context, say): exact counts that add up (one window
 * name opened from Python and from Java has two slots) and subtract ({@link Recording#since}). Each family
 * has one such record; {@link Sections} holds them by family name, so that the shared machinery (scopes,
 * deltas, the JSON report) handles a new family without knowing it.
 */
public interface Section<S extends Section<S>> {

    /** Both together: two slots of one scope. */
    S plus(S other);

    /** What happened after {@code earlier}, a reading of the same scope. */
    S minus(S earlier);

    /**
     * What happened after {@code earlier} when the later reading was taken at {@code sinceNanos} (nanoseconds from
     * the trace's start): a section that holds things from the stream keeps those at or after it.
     */
    default S minus(S earlier, long sinceNanos) {
        return minus(earlier);
    }

    /** Nothing was counted: a window with only empty sections did nothing since an earlier reading. */
    boolean isEmpty();

    /** {@code later.minus(earlier)} for two sections of one family known only by name: one record type, so safe. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Section<?> minus(Section<?> later, Section<?> earlier, long sinceNanos) {
        return (Section<?>) ((Section) later).minus((Section) earlier, sinceNanos);
    }

    /** {@code a.plus(b)} for two sections of one family known only by name. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Section<?> plus(Section<?> a, Section<?> b) {
        return (Section<?>) ((Section) a).plus((Section) b);
    }
}
