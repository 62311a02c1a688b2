package dev.leakhunt.analysis;

/**
 * What a three-snapshot diff keeps of the middle snapshot: the ids of the heap objects allocated since the first
 * (and reachable in the middle), their totals, and whether the middle snapshot is of the first one's process.
 */
public record DiffInterval(DiffResult.SnapshotInfo info, DiffIds allocated, DiffTotals allocatedTotals,
                           DiffResult.Identity identity) {
}
