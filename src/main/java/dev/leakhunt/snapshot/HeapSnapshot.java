package dev.leakhunt.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
    // nodeName, nodeId, selfSize and edgeNameOrIndex are null while parked (see parkIdleArrays)
    private int[] nodeName;
    private int[] nodeId;
    private int[] selfSize;                // a size, or -1 - i for largeSelfSize[i] (sizes of 2 GiB and more)
    private final long[] largeSelfSize;
    private final int[] firstEdge;
    private final byte[] edgeType;
    private int[] edgeNameOrIndex;
    private IntBuffer edgeNamesOffHeap;    // edgeNameOrIndex once moved off the heap (see moveEdgeNamesOffHeap)
    private int[] edgeTo;
    private final StringTable strings;
    private boolean moveIdleArrays;        // see moveIdleArraysOut

    /**
     * Snapshots whose arrays take this much and more move arrays that a phase does not read out of the heap. Below
     * it the JVM's own overhead and young generation set the peak: at 305 MB (185 MiB of arrays) parking changed
     * the peak RSS by nothing measurable and cost 0.2-0.5 s; at 1 GB it kept the peak 340 MiB lower.
     */
    public static final long MOVE_IDLE_ARRAYS_FROM_BYTES = 256L << 20;

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
        this.moveIdleArrays = arrayBytes(nodeCount, edgeCount) >= MOVE_IDLE_ARRAYS_FROM_BYTES;
    }

    /**
     * Whether {@link #park} and {@link #moveEdgeNamesOffHeap} move arrays out of the heap; by default only for
     * snapshots of {@link #MOVE_IDLE_ARRAYS_FROM_BYTES} and more (tests turn it on for small ones).
     */
    public HeapSnapshot moveIdleArraysOut(boolean move) {
        this.moveIdleArrays = move;
        return this;
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
        int[] onHeap = edgeNameOrIndex;
        return onHeap != null ? onHeap[edge] : edgeNamesOffHeap.get(edge);
    }

    /**
     * Moves the edge names (a sixth of the snapshot, and read only for the few edges a report shows) into a
     * memory-mapped temporary file: only the pages read count against the process's memory. The file is unlinked
     * at once and lives as long as the mapping. Stays on the heap when the file cannot be made, or when it would
     * exceed one mapping (2 GiB, 500 M edges).
     */
    public void moveEdgeNamesOffHeap() {
        if (!moveIdleArrays || edgeNameOrIndex == null || (long) edgeCount * 4 > Integer.MAX_VALUE) {
            return;
        }
        Path file = null;
        try {
            file = Files.createTempFile("leakhunt-", ".edge-names");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                IntArrays.write(channel, edgeNameOrIndex);
                edgeNamesOffHeap = channel.map(FileChannel.MapMode.READ_ONLY, 0, (long) edgeCount * 4)
                        .order(java.nio.ByteOrder.nativeOrder()).asIntBuffer();
            }
            edgeNameOrIndex = null;
        } catch (IOException e) {
            edgeNamesOffHeap = null; // stays on the heap
        } finally {
            Parked.deleteQuietly(file);
        }
    }

    /** Whether the edge names live in the memory-mapped file (see {@link #moveEdgeNamesOffHeap}). */
    public boolean edgeNamesOffHeap() {
        return edgeNamesOffHeap != null;
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

    /** The int arrays that can be parked on disk while a phase does not read them. */
    public enum Part { NODE_NAMES, NODE_IDS, SELF_SIZES, EDGE_NAMES, EDGE_TARGETS }

    /**
     * Moves arrays that the next phase does not read to a temporary file until the returned handle is closed, so
     * that the phase's own arrays can take their place: the graph phases park names, ids and sizes (about 40% of
     * the snapshot), the class summary the edges. Reading a parked part meanwhile fails with a
     * NullPointerException. When the file cannot be written the arrays simply stay in memory, as they do in a small
     * snapshot (see {@link #moveIdleArraysOut}).
     */
    public Parked park(Part... parts) {
        return Parked.park(this, parts);
    }

    private int[] get(Part part) {
        return switch (part) {
            case NODE_NAMES -> nodeName;
            case NODE_IDS -> nodeId;
            case SELF_SIZES -> selfSize;
            case EDGE_NAMES -> edgeNameOrIndex;
            case EDGE_TARGETS -> edgeTo;
        };
    }

    private void set(Part part, int[] array) {
        switch (part) {
            case NODE_NAMES -> nodeName = array;
            case NODE_IDS -> nodeId = array;
            case SELF_SIZES -> selfSize = array;
            case EDGE_NAMES -> edgeNameOrIndex = array;
            case EDGE_TARGETS -> edgeTo = array;
        }
    }

    /** Arrays parked by {@link #park}, on disk until {@link #close}. */
    public static final class Parked implements AutoCloseable {
        private final HeapSnapshot snapshot;
        private final Part[] parts;
        private final Path file;

        private Parked(HeapSnapshot snapshot, Part[] parts, Path file) {
            this.snapshot = snapshot;
            this.parts = parts;
            this.file = file;
        }

        static Parked park(HeapSnapshot s, Part[] parts) {
            if (!s.moveIdleArrays) {
                return new Parked(s, parts, null);
            }
            Path file = null;
            try {
                file = Files.createTempFile("leakhunt-", ".parked");
                try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    for (Part part : parts) {
                        IntArrays.write(out, s.get(part));
                    }
                }
            } catch (IOException e) {
                deleteQuietly(file);
                return new Parked(s, parts, null); // not parked: everything stays where it was
            }
            for (Part part : parts) {
                s.set(part, null);
            }
            System.gc(); // a full collection now lets the next phase reuse the space instead of growing the heap
            return new Parked(s, parts, file);
        }

        /** Reads the arrays back; an unreadable temporary file is an error of the machine, said as such. */
        @Override
        public void close() {
            if (file == null) {
                return;
            }
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                for (Part part : parts) {
                    boolean ofNodes = part != Part.EDGE_NAMES && part != Part.EDGE_TARGETS;
                    snapshot.set(part, IntArrays.read(in, ofNodes ? snapshot.nodeCount : snapshot.edgeCount));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(new IOException("cannot read back the temporary file '" + file
                        + "': " + e.getMessage(), e));
            } finally {
                deleteQuietly(file);
            }
        }

        private static void deleteQuietly(Path file) {
            try {
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException ignored) {
                // a temporary file left in the temporary directory
            }
        }
    }

    /** The bytes the arrays of a snapshot of this shape take, strings aside. */
    public static long arrayBytes(long nodes, long edges) {
        return nodes * (1 + 4 + 4 + 4 + 4) + edges * (1 + 4 + 4);
    }
}
