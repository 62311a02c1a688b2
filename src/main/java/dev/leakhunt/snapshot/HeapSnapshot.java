package dev.leakhunt.snapshot;

import java.io.IOException;
import java.util.Arrays;

/**
 * A parsed heap snapshot as flat arrays indexed by node and edge <em>ordinal</em> (not the field indexes of the
 * file). Node {@code n}'s outgoing edges are ordinals {@code firstEdge[n]} to {@code firstEdge[n + 1] - 1}; an
 * edge's target is a node ordinal. Node ids are unsigned 32-bit values kept in an {@code int}.
 */
public final class HeapSnapshot {
    private final SnapshotMeta meta;
    private final String source;
    private final int nodeCount;
    private final int edgeCount;
    private final byte[] nodeType;
    // nodeName, selfSize and edgeTo are null while parked (see park); nodeId and edgeNameOrIndex once off the heap
    private int[] nodeName;
    private int[] nodeId;
    private int[] selfSize;                // a size, or -1 - i for largeSelfSize[i] (sizes of 2 GiB and more)
    private final long[] largeSelfSize;
    private final int[] firstEdge;
    private final byte[] edgeType;
    private int[] edgeNameOrIndex;
    private IntFile nodeIdsOffHeap;        // see moveNamesAndIdsOffHeap
    private IntFile edgeNamesOffHeap;
    private int[] edgeTo;
    private final StringTable strings;
    private boolean moveIdleArrays;        // see moveIdleArraysOut

    /**
     * Snapshots whose arrays take this much and more (a file of about 100 MB) move arrays that a phase does not read
     * out of the heap. Below it the JVM's own 60-80 MiB set the peak, and the temporary files are not worth
     * writing. At 305 MB (185 MiB of arrays) moving them takes the peak RSS from 450 to 280 MiB, once the initial
     * heap is small enough to let the freed space be reused (scripts/leakhunt).
     */
    public static final long MOVE_IDLE_ARRAYS_FROM_BYTES = 64L << 20;

    HeapSnapshot(SnapshotMeta meta, String source, byte[] nodeType, int[] nodeName, int[] nodeId, int[] selfSize,
                 long[] largeSelfSize, int[] firstEdge, byte[] edgeType, int[] edgeNameOrIndex, int[] edgeTo, StringTable strings) {
        this.meta = meta;
        this.source = source;
        this.nodeCount = nodeType.length;
        this.edgeCount = edgeType.length;
        this.nodeType = nodeType;
        this.nodeName = nodeName;
        this.nodeId = nodeId;
        this.selfSize = selfSize;
        this.largeSelfSize = largeSelfSize;
        this.firstEdge = firstEdge;
        this.edgeType = edgeType;
        this.edgeNameOrIndex = edgeNameOrIndex;
        this.edgeTo = edgeTo;
        this.strings = strings;
        this.moveIdleArrays = movesIdleArrays(nodeCount, edgeCount);
    }

    /**
     * Whether {@link #park} and {@link #moveNamesAndIdsOffHeap} move arrays out of the heap; by default only for
     * snapshots of {@link #MOVE_IDLE_ARRAYS_FROM_BYTES} and more (tests turn it on for small ones).
     */
    public HeapSnapshot moveIdleArraysOut(boolean move) {
        this.moveIdleArrays = move;
        return this;
    }

    /** Whether arrays that a phase does not read move out of the heap meanwhile (see {@link #moveIdleArraysOut}). */
    public boolean movesIdleArrays() {
        return moveIdleArrays;
    }

    public SnapshotMeta meta() {
        return meta;
    }

    /** The file it was read from, as given. */
    public String source() {
        return source;
    }

    public int nodeCount() {
        return nodeCount;
    }

    public int edgeCount() {
        return edgeCount;
    }

    public int rootOrdinal() {
        return meta.rootOrdinal();
    }

    public int nodeType(int node) {
        return nodeType[node];
    }

    public String nodeTypeName(int node) {
        return meta.nodeTypes().get(nodeType[node]);
    }

    /** The string index of the node's name. */
    public int nodeNameIndex(int node) {
        try {
            return nodeName[node];
        } catch (NullPointerException e) {
            throw parked(Part.NODE_NAMES);
        }
    }

    public String nodeName(int node) {
        return strings.get(nodeNameIndex(node));
    }

    /** The node id as stored: an unsigned 32-bit value; see {@link #nodeIdLong}. */
    public int nodeId(int node) {
        int[] onHeap = nodeId;
        return onHeap != null ? onHeap[node] : nodeIdsOffHeap.get(node);
    }

    public long nodeIdLong(int node) {
        return Integer.toUnsignedLong(nodeId(node));
    }

    public long selfSize(int node) {
        int size;
        try {
            size = selfSize[node];
        } catch (NullPointerException e) {
            throw parked(Part.SELF_SIZES);
        }
        return size >= 0 ? size : largeSelfSize[-1 - size];
    }

    public int firstEdge(int node) {
        return firstEdge[node];
    }

    /** One past the node's last edge. */
    public int endEdge(int node) {
        return firstEdge[node + 1];
    }

    /** The node whose edge {@code edge} is: a binary search over the nodes' first edges. */
    public int edgeOwner(int edge) {
        int low = 0;
        int high = nodeCount - 1;
        while (low < high) { // the last node whose first edge is at or before edge
            int mid = (low + high + 1) >>> 1;
            if (firstEdge[mid] <= edge) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return low;
    }

    public int edgeType(int edge) {
        return edgeType[edge];
    }

    public String edgeTypeName(int edge) {
        return meta.edgeTypes().get(edgeType[edge]);
    }

    /** An element or hidden edge's index, or the string index of any other edge's name. */
    public int edgeNameOrIndex(int edge) {
        int[] onHeap = edgeNameOrIndex;
        return onHeap != null ? onHeap[edge] : edgeNamesOffHeap.get(edge);
    }

    /**
     * Moves the edge names and node ids (a fifth of the snapshot, read only for the few nodes and edges a report
     * shows, or in one pass by a diff) into temporary files read through a small cache ({@link IntFile}). Each
     * stays on the heap when its file cannot be made.
     */
    public void moveNamesAndIdsOffHeap() {
        if (!moveIdleArrays) {
            return;
        }
        if (edgeNameOrIndex != null) {
            edgeNamesOffHeap = offHeap(edgeNameOrIndex);
            edgeNameOrIndex = edgeNamesOffHeap != null ? null : edgeNameOrIndex;
        }
        if (nodeId != null) {
            nodeIdsOffHeap = offHeap(nodeId);
            nodeId = nodeIdsOffHeap != null ? null : nodeId;
        }
    }

    private static IntFile offHeap(int[] array) {
        try {
            return IntFile.of(array);
        } catch (IOException e) {
            return null; // stays on the heap
        }
    }

    /** Whether the edge names and node ids live in files (see {@link #moveNamesAndIdsOffHeap}). */
    public boolean namesAndIdsOffHeap() {
        return edgeNamesOffHeap != null && nodeIdsOffHeap != null;
    }

    public int edgeTo(int edge) {
        try {
            return edgeTo[edge];
        } catch (NullPointerException e) {
            throw parked(Part.EDGE_TARGETS);
        }
    }

    /**
     * What reading a parked part says (the handler costs nothing until it runs): which array, and which phase
     * parked it; not a bare NullPointerException.
     */
    private IllegalStateException parked(Part part) {
        return new IllegalStateException("the snapshot's " + part.what + " are parked on disk while "
                + parkedBy[part.ordinal()] + " runs (HeapSnapshot.park): read them before or after it");
    }

    public StringTable strings() {
        return strings;
    }

    /** The sum of all self sizes. */
    public long totalSelfSize() {
        long sum = 0;
        for (int n = 0; n < nodeCount; n++) {
            sum += selfSize(n);
        }
        return sum;
    }

    /** The int arrays that can be parked on disk while a phase does not read them. */
    public enum Part {
        NODE_NAMES("node names"), SELF_SIZES("self sizes"), EDGE_TARGETS("edge targets");

        final String what;

        Part(String what) {
            this.what = what;
        }
    }

    private final String[] parkedBy = new String[Part.values().length];

    /**
     * Moves arrays that the next phase does not read to a temporary file until the returned handle is closed, so
     * that the phase's own arrays can take their place: the graph phases park names and sizes, the class summary
     * the edges. Reading a parked part meanwhile fails with an IllegalStateException naming the part and
     * {@code phase}. When the file cannot be written the arrays simply stay in memory, as they do in a small
     * snapshot (see {@link #moveIdleArraysOut}).
     */
    public Parked park(String phase, Part... parts) {
        for (Part p : parts) {
            parkedBy[p.ordinal()] = phase;
        }
        return Parked.park(this, parts);
    }

    private int[] get(Part part) {
        return switch (part) {
            case NODE_NAMES -> nodeName;
            case SELF_SIZES -> selfSize;
            case EDGE_TARGETS -> edgeTo;
        };
    }

    private void set(Part part, int[] array) {
        switch (part) {
            case NODE_NAMES -> nodeName = array;
            case SELF_SIZES -> selfSize = array;
            case EDGE_TARGETS -> edgeTo = array;
        }
    }

    /** Arrays parked by {@link #park}, on disk until {@link #restore restored} or {@link #close closed}. */
    public static final class Parked implements AutoCloseable {
        private final HeapSnapshot snapshot;
        private final Part[] parts;
        private final SpilledInts spilled;  // null when nothing was moved
        private final boolean[] restored;

        private Parked(HeapSnapshot snapshot, Part[] parts, SpilledInts spilled) {
            this.snapshot = snapshot;
            this.parts = parts;
            this.spilled = spilled;
            this.restored = new boolean[parts.length];
        }

        static Parked park(HeapSnapshot s, Part[] parts) {
            if (!s.moveIdleArrays) {
                return new Parked(s, parts, null);
            }
            int[][] arrays = new int[parts.length][];
            for (int i = 0; i < parts.length; i++) {
                arrays[i] = s.get(parts[i]);
            }
            SpilledInts spilled = SpilledInts.of(arrays);
            if (!spilled.onDisk()) {
                return new Parked(s, parts, null); // not parked: everything stays where it was
            }
            for (Part part : parts) {
                s.set(part, null);
            }
            Arrays.fill(arrays, null);
            System.gc(); // a full collection now lets the next phase reuse the space instead of growing the heap
            return new Parked(s, parts, spilled);
        }

        /**
         * Reads one part back before the others, after a full collection: the phase's own arrays have died by now,
         * and the array read back takes their space instead of growing the heap.
         */
        public void restore(Part part) {
            for (int i = 0; i < parts.length; i++) {
                if (parts[i] == part) {
                    restore(i, true);
                }
            }
        }

        /** Reads back every part not restored yet, after one full collection (see {@link #restore}). */
        @Override
        public void close() {
            boolean collect = true;
            for (int i = 0; i < parts.length; i++) {
                collect &= !restore(i, collect);
            }
        }

        /** Restores part {@code i} unless it was; whether it read anything back. */
        private boolean restore(int i, boolean collect) {
            if (restored[i] || spilled == null) {
                return false;
            }
            restored[i] = true;
            if (collect) {
                System.gc();
            }
            snapshot.set(parts[i], spilled.readBack(i));
            return true;
        }
    }

    /** Whether a snapshot of this shape moves idle arrays out of the heap by default. */
    public static boolean movesIdleArrays(long nodes, long edges) {
        return arrayBytes(nodes, edges) >= Long.getLong(MOVE_IDLE_ARRAYS_PROPERTY, MOVE_IDLE_ARRAYS_FROM_BYTES);
    }

    /**
     * The system property that lowers {@link #MOVE_IDLE_ARRAYS_FROM_BYTES}: the test suite sets it to 0, so that
     * every test runs the memory plan that real files get (parked arrays, names and ids off the heap).
     */
    public static final String MOVE_IDLE_ARRAYS_PROPERTY = "leakhunt.moveIdleArraysFromBytes";

    /** The bytes the arrays of a snapshot of this shape take, strings aside. */
    public static long arrayBytes(long nodes, long edges) {
        return nodes * (1 + 4 + 4 + 4 + 4) + edges * (1 + 4 + 4);
    }

    private Locations locations = Locations.NONE;

    void locations(Locations l) {
        this.locations = l;
    }

    /** The source positions the snapshot records (none for Node 18's). */
    public Locations locations() {
        return locations;
    }

    private int[] traceNode;
    private AllocationTraces traces = AllocationTraces.NONE;

    private long trackedFromId = -1;

    void traces(int[] traceNode, AllocationTraces traces, long trackedFromId) {
        this.traceNode = traceNode;
        this.traces = traces;
        this.trackedFromId = trackedFromId;
    }

    /**
     * The last object id V8 had assigned when it began tracking allocations (its first sample), or -1 when the
     * snapshot does not say: objects with higher ids were allocated while tracked.
     */
    public long trackedFromId() {
        return trackedFromId;
    }

    /** The allocation stacks, when allocations were tracked ({@link AllocationTraces#present}); else empty. */
    public AllocationTraces traces() {
        return traces;
    }

    /** The trace node id of the stack that allocated {@code node}, or 0 when not known. */
    public int traceNode(int node) {
        return traceNode == null ? 0 : traceNode[node];
    }
}
