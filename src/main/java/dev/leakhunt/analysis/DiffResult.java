package dev.leakhunt.analysis;

import java.util.List;
import java.util.Map;

/**
 * Everything {@code diff} reports. In {@link Mode#IDS} and {@link Mode#SURVIVORS} the groups hold the new objects
 * (matched by id) of the last snapshot; in {@link Mode#TOTALS} (ids that do not match) they hold the
 * backing-store groups whose totals grew. {@code metrics} are the figures {@code --fail-if} tests.
 */
public record DiffResult(Mode mode, List<SnapshotInfo> snapshots, Identity identity, Change change,
                         List<DiffGroup> bufferGroups, int bufferGroupCount,
                         List<DiffGroup> objectGroups, int objectGroupCount,
                         List<GroupChange> groupChanges, List<ClassChange> classChanges,
                         List<Suspect> suspects, String verdict, Map<String, Long> metrics) {

    public enum Mode {
        /** Two snapshots of one process: objects of the second whose ids the first lacks. */
        IDS,
        /** Three snapshots of one process: objects allocated between the first two and alive in the third. */
        SURVIVORS,
        /**
         * Ids that do not name the same objects: snapshots of different processes, or of one process whose ids were
         * reset in between (an inspector session that ends clears them). Class and backing-store totals compared.
         */
        TOTALS;

        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public record SnapshotInfo(String file, long nodeCount, long edgeCount, long selfBytes, long nativeBytes,
                               long backingStores) {
    }

    /**
     * How the first snapshot's ids compare with the last's: {@code sharedIds} heap-object ids in both, of which
     * {@code checkedIds} were sampled and {@code agreeingIds} of those name the same object in both.
     * {@code newIds}: heap-object ids of the last snapshot that the first lacks, of which {@code newIdsBelowFirstMax}
     * are lower than the first one's largest: in one process ids only grow, so when most are, the last snapshot is
     * the older one.
     */
    public record Identity(long sharedIds, long checkedIds, long agreeingIds, boolean sameProcess, long newIds,
                           long newIdsBelowFirstMax) {

        /** Whether the snapshots look given in the wrong order: most new ids are older than the first's. */
        public boolean looksSwapped() {
            return sameProcess && newIds > 0 && newIdsBelowFirstMax * 2 > newIds;
        }
    }

    /**
     * The totals of the change. {@code added}: new reachable heap objects in the last snapshot (for
     * {@link Mode#SURVIVORS}, those allocated between the first two snapshots), {@code addedStores} the backing
     * stores among them; {@code unreachable}: new objects only weakly held, not counted; {@code allocated}: all
     * objects allocated between the first two snapshots (null unless SURVIVORS); {@code freed}: objects of the first
     * snapshot gone from the last; embedder nodes (fresh ids in every snapshot) compared by totals. In TOTALS mode
     * {@code added} and {@code freed} are sums of the classes' growth and shrinkage.
     */
    public record Change(DiffTotals added, DiffTotals addedStores, DiffTotals unreachable, DiffTotals allocated,
                         DiffTotals freed, DiffTotals embedderBefore, DiffTotals embedderAfter) {
    }

    /** One backing-store signature's totals in the first and last snapshot. */
    public record GroupChange(String signature, DiffTotals before, DiffTotals after) {
        public long deltaBytes() {
            return after.bytes() - before.bytes();
        }
    }

    /**
     * One class's heap objects in the first and last snapshot; {@code added} and {@code freed} are the objects
     * matched by id (null in TOTALS mode).
     */
    public record ClassChange(String name, DiffTotals before, DiffTotals after, DiffTotals added, DiffTotals freed) {
        public long deltaBytes() {
            return after.bytes() - before.bytes();
        }
    }
}
