package dev.leakhunt.snapshot;

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
    private final int[] nodeName;
    private final int[] nodeId;
    private final int[] selfSize;          // a size, or -1 - i for largeSelfSize[i] (sizes of 2 GiB and more)
    private final long[] largeSelfSize;
    private final int[] firstEdge;
    private final byte[] edgeType;
    private final int[] edgeNameOrIndex;
    private final int[] edgeTo;
    private final StringTable strings;

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
        return nodeName[node];
    }

    public String nodeName(int node) {
        return strings.get(nodeName[node]);
    }

    /** The node id as stored: an unsigned 32-bit value; see {@link #nodeIdLong}. */
    public int nodeId(int node) {
        return nodeId[node];
    }

    public long nodeIdLong(int node) {
        return Integer.toUnsignedLong(nodeId[node]);
    }

    public long selfSize(int node) {
        int size = selfSize[node];
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
        return edgeNameOrIndex[edge];
    }

    public int edgeTo(int edge) {
        return edgeTo[edge];
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

    /** The bytes the arrays of a snapshot of this shape take, strings aside. */
    public static long arrayBytes(long nodes, long edges) {
        return nodes * (1 + 4 + 4 + 4 + 4) + edges * (1 + 4 + 4);
    }
}
