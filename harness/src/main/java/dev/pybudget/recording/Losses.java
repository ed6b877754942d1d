package dev.pybudget.recording;

/**
 * What could not be recorded, each counted in the kernel. {@code events} are stream records
 * the ring buffer had no room for (the import tree and audit stream are then incomplete);
 * the others are counts that had no room in their map, or window marks that could not be followed.
 */
public record Losses(long events, long calls, long audit, long windowSlots, long windowDepth,
                     long windowNames, long windowUnbalanced, long gcUnpaired, long callPatternSteps) {

    public static final Losses NONE = new Losses(0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** True when some exact count may be short, so budgets on it cannot be trusted. */
    public boolean countsIncomplete() {
        return calls + audit + windowSlots + windowDepth + windowNames + windowUnbalanced + callPatternSteps > 0;
    }
}
