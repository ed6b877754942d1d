package dev.pybudget.recording;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What could not be recorded, each counted in the kernel (see {@link Loss}). {@code events} are
 * stream records the ring buffer had no room for (the import tree and audit stream are then
 * incomplete); the others are counts that had no room in their map, or window marks that could not
 * be followed.
 *
 * <p>{@code unencodableNames} are probe hits whose name (module, file or function) CPython could not
 * encode as UTF-8 and passed as NULL; they are recorded as {@code "<not UTF-8>"}. CPython raises
 * SystemError in the workload at each of them while the probe is attached (its dtrace hook leaves
 * the UnicodeEncodeError set; seen on 3.11 for imports and calls, on 3.13 for imports): a CPython bug
 * that pybudget can only report.
 */
public final class Losses {

    public static final Losses NONE = new Losses(new EnumMap<>(Loss.class));

    private final EnumMap<Loss, Long> counts;

    private Losses(EnumMap<Loss, Long> counts) {
        this.counts = counts;
    }

    /** The given counts; kinds not in the map are 0. */
    public static Losses of(Map<Loss, Long> counts) {
        EnumMap<Loss, Long> copy = new EnumMap<>(Loss.class);
        counts.forEach((kind, n) -> {
            if (n != 0) {
                copy.put(kind, n);
            }
        });
        return new Losses(copy);
    }

    /** The losses before windowThreads was counted. */
    @Deprecated
    public Losses(long events, long calls, long audit, long windowSlots, long windowDepth,
                  long windowNames, long windowUnbalanced, long gcUnpaired, long callPatternSteps,
                  long unencodableNames) {
        this(array(events, calls, audit, windowSlots, windowDepth, windowNames, windowUnbalanced, gcUnpaired,
                callPatternSteps, unencodableNames));
    }

    /** The losses of earlier versions, without {@code unencodableNames}. */
    @Deprecated
    public Losses(long events, long calls, long audit, long windowSlots, long windowDepth, long windowNames,
                  long windowUnbalanced, long gcUnpaired, long callPatternSteps) {
        this(events, calls, audit, windowSlots, windowDepth, windowNames, windowUnbalanced, gcUnpaired, callPatternSteps, 0);
    }

    private static EnumMap<Loss, Long> array(long... inOrder) {
        EnumMap<Loss, Long> map = new EnumMap<>(Loss.class);
        for (int i = 0; i < inOrder.length; i++) {
            if (inOrder[i] != 0) {
                map.put(Loss.values()[i], inOrder[i]);
            }
        }
        return map;
    }

    public long get(Loss kind) {
        return counts.getOrDefault(kind, 0L);
    }

    /** These losses with {@code kind} set to {@code n}. */
    public Losses with(Loss kind, long n) {
        EnumMap<Loss, Long> copy = new EnumMap<>(Loss.class);
        copy.putAll(counts);
        copy.put(kind, n);
        return of(copy);
    }

    /** Every kind with a count other than 0. */
    public Map<Loss, Long> nonZero() {
        return Collections.unmodifiableMap(counts);
    }

    /** What was lost after {@code earlier}, from the same trace. */
    public Losses minus(Losses earlier) {
        EnumMap<Loss, Long> diff = new EnumMap<>(Loss.class);
        for (Loss kind : Loss.values()) {
            diff.put(kind, get(kind) - earlier.get(kind));
        }
        return of(diff);
    }

    public long events() {
        return get(Loss.EVENTS);
    }

    public long calls() {
        return get(Loss.CALLS);
    }

    public long audit() {
        return get(Loss.AUDIT);
    }

    public long windowSlots() {
        return get(Loss.WINDOW_SLOTS);
    }

    public long windowDepth() {
        return get(Loss.WINDOW_DEPTH);
    }

    public long windowNames() {
        return get(Loss.WINDOW_NAMES);
    }

    public long windowUnbalanced() {
        return get(Loss.WINDOW_UNBALANCED);
    }

    public long gcUnpaired() {
        return get(Loss.GC_UNPAIRED);
    }

    public long callPatternSteps() {
        return get(Loss.CALL_PATTERN_STEPS);
    }

    public long unencodableNames() {
        return get(Loss.UNENCODABLE_NAMES);
    }

    public long windowThreads() {
        return get(Loss.WINDOW_THREADS);
    }

    /**
     * Window marks that could not be followed and may touch any window: a begin or end whose name
     * was not known, nested too deep, or with no room for its thread. (An end whose window is not
     * open on its thread touches only its own window: see {@link Window#unfollowedEnds()}.)
     */
    public long windowMarksNotFollowed() {
        return windowSlots() + windowDepth() + windowNames() + windowThreads();
    }

    /** True when some exact count may be short, so budgets on it cannot be trusted. */
    public boolean countsIncomplete() {
        return calls() + audit() + windowMarksNotFollowed() + windowUnbalanced() + callPatternSteps() > 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Losses other && counts.equals(other.counts);
    }

    @Override
    public int hashCode() {
        return counts.hashCode();
    }

    /** "Losses[windowUnbalanced=1]", or "Losses[]" for none. */
    @Override
    public String toString() {
        return counts.entrySet().stream().map(e -> e.getKey().jsonName() + "=" + e.getValue())
                .collect(Collectors.joining(", ", "Losses[", "]"));
    }
}
