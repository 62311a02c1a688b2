package dev.leakhunt.snapshot;

/**
 * Decodes {@code edges} into the edge arrays, sized from {@code edge_count}: type, name or index, and the target's
 * node ordinal. Several decoders may fill one set of arrays, each its own run of edges (see {@link #segment}).
 */
final class EdgeRecords extends RecordDecoder {
    final byte[] type;
    final int[] nameOrIndex;
    final int[] to;
    private final int nodes;
    private final int nodeFields;
    private final long nodeFieldsReciprocal;    // 2^64 / nodeFields, rounded up (see ordinalOf)
    private final int typeAt;
    private final int nameAt;
    private final int toAt;
    private final int typeCount;
    private final int elementType;
    private final int hiddenType;
    private int cursor;

    EdgeRecords(SnapshotMeta meta, String what) {
        this(meta, what, new byte[(int) meta.edgeCount()], new int[(int) meta.edgeCount()],
                new int[(int) meta.edgeCount()], 0);
    }

    private EdgeRecords(SnapshotMeta meta, String what, byte[] type, int[] nameOrIndex, int[] to, int firstEdge) {
        super(what, meta.edgeFieldCount());
        this.type = type;
        this.nameOrIndex = nameOrIndex;
        this.to = to;
        this.nodes = (int) meta.nodeCount();
        this.nodeFields = meta.nodeFieldCount();
        this.nodeFieldsReciprocal = reciprocal(nodeFields);
        this.typeAt = meta.edgeField("type");
        this.nameAt = meta.edgeField("name_or_index");
        this.toAt = meta.edgeField("to_node");
        this.typeCount = meta.edgeTypes().size();
        this.elementType = meta.edgeType("element");
        this.hiddenType = meta.edgeType("hidden");
        this.cursor = firstEdge;
    }

    /** A decoder of the edges from {@code firstEdge} on, into these arrays, with a cursor of its own. */
    EdgeRecords segment(SnapshotMeta meta, int firstEdge) {
        return new EdgeRecords(meta, what, type, nameOrIndex, to, firstEdge);
    }

    /** Takes the word of the decoder that stored the last edges: every edge is stored, naming up to that index. */
    void completedBy(int otherMaxNameIndex) {
        cursor = type.length;
        maxNameIndex = Math.max(maxNameIndex, otherMaxNameIndex);
    }

    @Override
    void store(long[] r) throws SnapshotFormatException {
        int edge = cursor;
        if (edge >= type.length) {
            throw tooMany("edges", "edge_count", type.length);
        }
        long t = r[typeAt];
        if (t >= typeCount) {
            throw badType("edge", edge, t, typeCount);
        }
        type[edge] = (byte) t;
        long n = r[nameAt];
        if (t == elementType || t == hiddenType) {
            if (n > MAX_UINT32) { // an index may use all 32 bits
                throw beyond32Bits("edge " + edge + " has index " + n);
            }
        } else if (n > maxNameIndex) {
            maxNameIndex = checkedStringIndex(n); // a string index: below 2^31
        }
        nameOrIndex[edge] = (int) n;
        long toNode = r[toAt];
        long ordinal = ordinalOf(toNode, nodeFields, nodeFieldsReciprocal);
        if (ordinal < 0 || ordinal >= nodes) {
            throw badTarget(edge, toNode);
        }
        to[edge] = (int) ordinal;
        cursor = edge + 1;
    }

    private SnapshotFormatException badTarget(int edge, long toNode) {
        return corrupt("edge " + edge + " points to node field index " + toNode + ", not one of the " + nodes
                + " nodes");
    }

    /**
     * The node ordinal of a {@code to_node} field index, or -1 when it is not a multiple of {@code nodeFields}: a
     * multiply-high by {@code reciprocal} = ceil(2^64 / nodeFields) instead of a 64-bit division, which is exact for
     * every field index below 2^58 (a snapshot's are below 2^31 * nodeFields) and nodeFields from 3 on.
     */
    static long ordinalOf(long fieldIndex, int nodeFields, long reciprocal) {
        long ordinal = Math.multiplyHigh(fieldIndex, reciprocal);
        return ordinal * nodeFields == fieldIndex ? ordinal : -1;
    }

    static long reciprocal(int nodeFields) {
        return Long.divideUnsigned(-1L, nodeFields) + 1;
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
