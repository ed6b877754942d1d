package dev.pybudget.recording;

/**
 * What could not be recorded, each counted in the kernel. {@code events} are stream records
 * the ring buffer had no room for (the import tree and audit stream are then incomplete);
 * the others are counts that had no room in their map, or window marks that could not be followed.
 *
 * @param unencodableNames probe hits whose name (module, file or function) CPython could not encode
 *                         as UTF-8 and passed as NULL; they are recorded as {@code "<not UTF-8>"}.
 *                         CPython raises SystemError in the workload at each of them while the
 *                         probe is attached (its dtrace hook leaves the UnicodeEncodeError set; seen
 *                         on 3.11 for imports and calls, on 3.13 for imports): a CPython bug that
 *                         pybudget can only report
 */
public record Losses(long events, long calls, long audit, long windowSlots, long windowDepth,
                     long windowNames, long windowUnbalanced, long gcUnpaired, long callPatternSteps,
                     long unencodableNames) {

    public static final Losses NONE = new Losses(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** The losses of earlier versions, without {@code unencodableNames}. */
    public Losses(long events, long calls, long audit, long windowSlots, long windowDepth, long windowNames,
                  long windowUnbalanced, long gcUnpaired, long callPatternSteps) {
        this(events, calls, audit, windowSlots, windowDepth, windowNames, windowUnbalanced, gcUnpaired, callPatternSteps, 0);
    }

    /** True when some exact count may be short, so budgets on it cannot be trusted. */
    public boolean countsIncomplete() {
        return calls + audit + windowSlots + windowDepth + windowNames + windowUnbalanced + callPatternSteps > 0;
    }
}
