package dev.leakhunt.analysis;

import java.util.List;

/**
 * A call stack that allocated {@code count} members of a group or suspect, innermost frame first (the function that
 * allocated, then its callers). Known only for snapshots taken while allocations were tracked.
 */
public record AllocationStack(long count, List<Frame> frames) {
    /**
     * One frame: {@code function} ("" when anonymous), {@code script} as V8 names it ("" for the engine's own
     * functions), 1-based {@code line} and {@code column} (0 when not known), and {@code shown} as a person reads
     * it: {@code open (src/backend.js:42)}.
     */
    public record Frame(String function, String script, int line, int column, String shown) {
        /** Whether the frame is in the service's own code: a script outside Node's and the packages'. */
        public boolean own() {
            return !script.isEmpty() && !script.startsWith("node:") && !script.contains("/node_modules/");
        }
    }
}
