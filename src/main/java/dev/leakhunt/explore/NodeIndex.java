package dev.leakhunt.explore;

import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.Arrays;

/**
 * V8 node id → node ordinal, built the first time an id is looked up. Encoding: one {@code long} per node,
 * {@code id << 32 | ordinal}, sorted; a lookup binary-searches {@code id << 32} and checks the high half. That is
 * the sorted-ids-plus-permutation pair in one array (8 bytes a node, sorted in place, no boxed map). Ids are unsigned
 * 32-bit; ids of 2³¹ and up sort before the others as signed longs, which is consistent for the search.
 */
final class NodeIndex {
    static final int NOT_FOUND = -1;

    private final long[] idAndOrdinal;

    NodeIndex(HeapSnapshot s) {
        int n = s.nodeCount();
        long[] packed = new long[n];
        for (int v = 0; v < n; v++) {
            packed[v] = (s.nodeIdLong(v) << 32) | v;
        }
        Arrays.sort(packed);
        idAndOrdinal = packed;
    }

    /** The ordinal of the node with V8 id {@code id} (0 … 2³² − 1), or {@link #NOT_FOUND}. */
    int ordinal(long id) {
        if (id < 0 || id > 0xFFFF_FFFFL) {
            return NOT_FOUND;
        }
        long key = id << 32;
        int i = Arrays.binarySearch(idAndOrdinal, key);
        if (i < 0) {
            i = -i - 1;
        }
        if (i < idAndOrdinal.length && (idAndOrdinal[i] >>> 32) == id) {
            return (int) idAndOrdinal[i];
        }
        return NOT_FOUND;
    }
}
