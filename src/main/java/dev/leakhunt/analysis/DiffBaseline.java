package dev.leakhunt.analysis;

import java.util.Map;

/**
 * What a diff keeps of an earlier snapshot once its graph is dropped: its heap-object ids (sorted, 4 bytes each),
 * a fingerprint of one id in eight to tell whether a later snapshot is of the same process, and totals: per class
 * (heap objects only), per backing-store signature, and of the embedder nodes. Nothing else of the graph survives.
 */
public record DiffBaseline(DiffResult.SnapshotInfo info, DiffIds ids, DiffIdentity identity,
                           Map<String, DiffTotals> classes, Map<String, DiffTotals> bufferGroups, DiffTotals embedder) {

    /** The bytes this summary holds, beside a snapshot whose graph needs far more. */
    public long bytes() {
        return ids.bytes() + identity.bytes() + 64L * (classes.size() + bufferGroups.size());
    }
}
