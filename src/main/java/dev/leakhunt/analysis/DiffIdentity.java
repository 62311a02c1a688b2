package dev.leakhunt.analysis;

import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.Arrays;

/**
 * Whether a later snapshot comes from the same process as an earlier one. Ids are stable only within one process,
 * yet a second process running the same program hands out the same ids in much the same order: two processes of
 * one Node 20 sample share 92% of their ids, of which only 9% name the same kind of object (a later snapshot of one
 * process: 100%). So what decides is not how many ids two snapshots share but whether the shared ids name the same
 * objects. For a sample of the earlier snapshot's ids, one in eight, a fingerprint of the node's type and name is
 * kept and compared with the later node of that id.
 */
public final class DiffIdentity {
    /** Of the sampled shared ids, the share that must name the same objects for one process. */
    public static final double SAME_PROCESS_AGREEMENT = 0.9;
    private static final int NAME_PREFIX_BYTES = 32;

    private final int[] flippedIds;
    private final int[] fingerprints;

    private DiffIdentity(int[] flippedIds, int[] fingerprints) {
        this.flippedIds = flippedIds;
        this.fingerprints = fingerprints;
    }

    /** Odd ids whose bits 1 to 3 are zero: one heap-object id in eight, the same ids in every snapshot. */
    public static boolean sampled(int id) {
        return (id & 0xF) == 1;
    }

    /** Type and the start of the name: what an id names, compared across snapshots without string indexes. */
    public static int fingerprint(HeapSnapshot s, int node) {
        return 31 * s.nodeTypeName(node).hashCode() + s.strings().preview(s.nodeNameIndex(node), NAME_PREFIX_BYTES).hashCode();
    }

    public static DiffIdentity sample(HeapSnapshot s) {
        long[] packed = new long[64];
        int count = 0;
        for (int v = 0; v < s.nodeCount(); v++) {
            int id = s.nodeId(v);
            if (sampled(id)) {
                if (count == packed.length) {
                    packed = Arrays.copyOf(packed, count * 2);
                }
                // flipped id in the high half sorts by unsigned id; the fingerprint rides in the low half
                packed[count++] = (long) (id ^ Integer.MIN_VALUE) << 32 | (fingerprint(s, v) & 0xFFFFFFFFL);
            }
        }
        Arrays.sort(packed, 0, count);
        int[] ids = new int[count];
        int[] prints = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = (int) (packed[i] >> 32);
            prints[i] = (int) packed[i];
        }
        return new DiffIdentity(ids, prints);
    }

    /**
     * Compares the later snapshot's node {@code node} (whose id must be {@link #sampled}) with the earlier node of
     * its id: 1 when they agree, 0 when they differ, -1 when the earlier snapshot has no such id.
     */
    public int check(HeapSnapshot later, int node) {
        int i = Arrays.binarySearch(flippedIds, later.nodeId(node) ^ Integer.MIN_VALUE);
        if (i < 0) {
            return -1;
        }
        return fingerprints[i] == fingerprint(later, node) ? 1 : 0;
    }

    /** The verdict on counts gathered with {@link #check}. */
    public static boolean sameProcess(long sharedIds, long checked, long agreeing) {
        return sharedIds > 0 && (checked == 0 || agreeing >= SAME_PROCESS_AGREEMENT * checked);
    }

    public long bytes() {
        return 8L * flippedIds.length;
    }
}
