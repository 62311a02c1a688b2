package dev.leakhunt.snapshot;

/**
 * Decodes {@code nodes} into the node arrays, sized from {@code node_count}: type, name, id and self size of each
 * node, and from the edge counts the index of each node's first edge; with allocation traces, each node's trace
 * node.
 */
final class NodeRecords extends RecordDecoder {
    final byte[] type;
    final int[] name;
    final int[] id;
    final int[] selfSize;
    final LongList largeSelfSize = new LongList();
    final int[] firstEdge;
    /** Each node's allocation trace node id (0: not known), when the snapshot holds traces; else null. */
    final int[] traceNode;
    private final int traceNodeAt;
    int maxTraceNode;
    private final int typeAt;               // offsets of the fields the analysis keeps, resolved by name
    private final int nameAt;
    private final int idAt;
    private final int selfSizeAt;
    private final int edgeCountAt;
    private final int typeCount;
    private final long edges;               // edge_count
    private int cursor;
    private long edgeSum;

    NodeRecords(SnapshotMeta meta, String what) {
        super(what, meta.nodeFieldCount());
        int n = (int) meta.nodeCount();
        type = new byte[n];
        name = new int[n];
        id = new int[n];
        selfSize = new int[n];
        firstEdge = new int[n + 1];
        typeAt = meta.nodeField("type");
        nameAt = meta.nodeField("name");
        idAt = meta.nodeField("id");
        selfSizeAt = meta.nodeField("self_size");
        edgeCountAt = meta.nodeField("edge_count");
        typeCount = meta.nodeTypes().size();
        traceNodeAt = meta.hasTraces() ? meta.nodeField("trace_node_id") : -1;
        traceNode = traceNodeAt >= 0 ? new int[n] : null;
        edges = meta.edgeCount();
    }

    @Override
    void store(long[] r) throws SnapshotFormatException {
        int node = cursor;
        if (node >= type.length) {
            throw tooMany("nodes", "node_count", type.length);
        }
        long t = r[typeAt];
        if (t >= typeCount) {
            throw badType("node", node, t, typeCount);
        }
        type[node] = (byte) t;
        long n = r[nameAt];
        if (n > maxNameIndex) {
            maxNameIndex = checkedStringIndex(n);
        }
        name[node] = (int) n;
        long i = r[idAt];
        if (i > MAX_UINT32) {
            throw beyond32Bits("node " + node + " has id " + i);
        }
        id[node] = (int) i; // unsigned 32-bit
        long size = r[selfSizeAt];
        selfSize[node] = size <= Integer.MAX_VALUE ? (int) size : largeSize(size);
        edgeSum += r[edgeCountAt];
        if (edgeSum > edges) {
            throw corrupt("the nodes' edge counts exceed edge_count " + edges + " at node " + node);
        }
        firstEdge[node + 1] = (int) edgeSum;
        if (traceNodeAt >= 0) {
            long trace = r[traceNodeAt];
            if (trace > Integer.MAX_VALUE) {
                throw corrupt("node " + node + " has trace node id " + trace + ", beyond 2^31");
            }
            traceNode[node] = (int) trace;
            maxTraceNode = Math.max(maxTraceNode, (int) trace);
        }
        cursor = node + 1;
    }

    /** Files a size of 2 GiB or more aside, returning its code for {@link HeapSnapshot}'s int array. */
    private int largeSize(long v) {
        largeSelfSize.add(v);
        return -largeSelfSize.size();
    }

    /** The sum of the nodes' edge counts so far. */
    long edgeSum() {
        return edgeSum;
    }

    @Override
    int stored() {
        return cursor;
    }

    @Override
    int expected() {
        return type.length;
    }
}
