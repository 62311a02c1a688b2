package dev.leakhunt.snapshot;

import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;

/**
 * Reads a {@code .heapsnapshot} file (plain or gzip, told by its magic bytes) in one streaming pass into a
 * {@link HeapSnapshot}.
 *
 * <p>The {@code snapshot} header is small and read with Jackson. The big arrays ({@code nodes}, {@code edges},
 * {@code strings}) are scanned here byte by byte straight into arrays sized from {@code node_count} and
 * {@code edge_count}: no token objects, no boxing, no copy of the text. Keys are read by name in any order and
 * unknown keys are skipped; should {@code nodes} or {@code edges} precede the header, their numbers are buffered
 * and decoded once the header has arrived.
 *
 * <p>In a plain file of some size, a second thread parses the tail of {@code edges} (see {@link EdgeSplit}).
 */
public final class SnapshotReader {
    /** Decides, once the header is known, whether to go on (for instance whether the snapshot fits the heap). */
    public interface HeaderCheck {
        void check(SnapshotMeta meta) throws IOException;
    }

    /** Plain files from this size on have their edges parsed by two threads. */
    static final long SPLIT_MIN_BYTES = 32L << 20;
    private int splitBlockBytes = EdgeSplit.BLOCK_BYTES;
    private static final long NO_STOP = Long.MAX_VALUE;
    private static final long MAX_UINT32 = 0xFFFF_FFFFL;
    /** The top-level keys the reader takes; each may come once (a second one would silently replace the first). */
    private static final java.util.Set<String> KEYS_READ = java.util.Set.of("snapshot", "nodes", "edges", "strings");
    private final java.util.Set<String> keysSeen = new java.util.HashSet<>();
    /** Digits of the largest number a snapshot's arrays may hold (below 2^63). */
    private static final int MAX_DIGITS = 18;

    private final Path file;
    private final InputStream source;       // standard input, or null: the file
    private final String what;
    private final AtomicLong bytesRead;
    private long fileBytes = Long.MAX_VALUE;
    private long maxDecodedBytes = -1;      // the most bytes the file can decode to; -1 when not known
    private boolean gzip;
    private HeaderCheck headerCheck = meta -> { };
    private long splitMinBytes = SPLIT_MIN_BYTES;
    private EdgeSplit split;
    private int segmentsOnSecondThread;
    private boolean stringsReadAhead;
    private EdgeSplit.Strings stringsAhead;     // the strings the second thread read, until the reader meets them
    private BooleanSupplier cancelled = () -> false;

    // scanner state
    private ChunkSource input;
    private long inputOffset;               // of the input's first byte in the file
    private long chunkOffset;               // of buf[0] in the input
    private byte[] buf = new byte[1];
    private int pos;
    private int limit;
    private String section = "the top-level object";
    private long sectionNumbers;

    // what is read
    private SnapshotMeta meta;
    private byte[] nodeType;
    private int[] nodeName;
    private int[] nodeId;
    private int[] selfSize;
    private LongList largeSelfSize = new LongList();
    private int[] firstEdge;
    private byte[] edgeType;
    private int[] edgeNameOrIndex;
    private int[] edgeTo;
    private StringTable strings;
    private boolean sawNodes;
    private boolean sawEdges;
    private LongList pendingNodes;
    private LongList pendingEdges;

    // decoding cursors, resolved offsets
    private int nodeFields;
    private long nodeFieldsReciprocal;      // 2^64 / nodeFields, rounded up (see storeEdge)
    private int edgeFields;
    private long[] nodeRecord;              // the fields of the node being read
    private long[] edgeRecord;
    private int nodeTypeAt;                 // offsets of the fields the analysis keeps, resolved by name
    private int nodeNameAt;
    private int nodeIdAt;
    private int selfSizeAt;
    private int edgeCountAt;
    private int edgeTypeAt;
    private int edgeNameAt;
    private int edgeToAt;
    private int nodeCursor;
    private int nodeFieldCursor;
    private long edgeSum;
    private int edgeCursor;
    private int edgeFieldCursor;
    private int maxNameIndex = -1;
    private int elementEdgeType;
    private int hiddenEdgeType;
    private int nodeTypeCount;
    private int edgeTypeCount;


    public SnapshotReader(Path file) {
        this(file, null, "'" + file + "'");
    }

    private SnapshotReader(Path file, InputStream source, String what) {
        this.file = file;
        this.source = source;
        this.what = what;
        this.bytesRead = new AtomicLong();
    }

    /**
     * A reader of a stream that cannot seek (standard input): read on one thread, plain or gzip; {@code name} names
     * it in messages.
     */
    public static SnapshotReader ofStream(InputStream in, String name) {
        return new SnapshotReader(Path.of(name), in, name);
    }

    /** A reader for segments of the owner's edges, writing into the owner's arrays (see {@link #readEdgeSegments}). */
    private SnapshotReader(SnapshotReader owner) {
        this.file = owner.file;
        this.source = null;
        this.what = owner.what;
        this.bytesRead = owner.bytesRead;
        this.meta = owner.meta;
        this.nodeType = owner.nodeType;
        this.edgeType = owner.edgeType;
        this.edgeNameOrIndex = owner.edgeNameOrIndex;
        this.edgeTo = owner.edgeTo;
        this.nodeFields = owner.nodeFields;
        this.nodeFieldsReciprocal = owner.nodeFieldsReciprocal;
        this.edgeFields = owner.edgeFields;
        this.edgeRecord = new long[edgeFields];
        this.edgeTypeAt = owner.edgeTypeAt;
        this.edgeNameAt = owner.edgeNameAt;
        this.edgeToAt = owner.edgeToAt;
        this.edgeTypeCount = owner.edgeTypeCount;
        this.elementEdgeType = owner.elementEdgeType;
        this.hiddenEdgeType = owner.hiddenEdgeType;
        this.section = "\"edges\"";
    }

    public SnapshotReader onHeader(HeaderCheck check) {
        this.headerCheck = check;
        return this;
    }

    /** Whether the file is gzip-compressed; known once {@link #read} has begun. */
    public boolean isGzip() {
        return gzip;
    }

    /** Bytes of the file read so far (compressed bytes for a gzip file); safe to call from another thread. */
    public long bytesRead() {
        return Math.min(bytesRead.get(), fileBytes); // two threads read a little ahead of what they parse
    }

    /**
     * Splits the edges between two threads in plain files from {@code minBytes} on, in segments of about
     * {@code blockBytes} (tests use small files and segments).
     */
    SnapshotReader splitEdges(long minBytes, int blockBytes) {
        this.splitMinBytes = minBytes;
        this.splitBlockBytes = blockBytes;
        return this;
    }

    public HeapSnapshot read() throws IOException {
        // a FileInputStream reads pipes and FIFOs too (Files.newInputStream's channel asks them for a position)
        InputStream raw = new BufferedInputStream(new ChunkedInput.Counting(
                source != null ? source : new FileInputStream(file.toFile()), bytesRead), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        gzip = b0 == 0x1f && b1 == 0x8b;
        InputStream in = gzip ? gunzip(raw) : raw;
        input = new ChunkedInput(in, "leakhunt-read");
        try {
            boolean regular = source == null && Files.isRegularFile(file);
            if (regular) {
                long size = Files.size(file);
                maxDecodedBytes = !gzip ? size : size > Long.MAX_VALUE / 1032 ? Long.MAX_VALUE : size * 1032;
            }
            if (!gzip && regular) { // only a plain regular file is read on two threads: the rest cannot seek
                fileBytes = Files.size(file);
                if (fileBytes >= splitMinBytes) {
                    split = EdgeSplit.start(file, splitBlockBytes);
                }
            }
            parseTopLevel();
            return finish();
        } finally {
            closeSplit();
            release();
            input.close();
        }
    }

    private void closeSplit() {
        if (split != null) {
            split.close();
            split = null;
        }
    }

    /** Continues reading the plain file at {@code offset}. */
    private void openAt(long offset) throws IOException {
        if (input != null) {
            input.close();
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        channel.position(offset);
        input = new ChunkedInput(new ChunkedInput.Counting(Channels.newInputStream(channel), bytesRead), "leakhunt-read");
        inputOffset = offset;
        emptyBuffer();
    }

    /** Drops what is left of the current chunk: the next byte comes from the input's next chunk. */
    private void emptyBuffer() {
        chunkOffset = 0;
        buf = new byte[1];
        pos = 0;
        limit = 0;
    }

    /** The file offset of the next byte to scan (meaningful in a plain file). */
    private long position() {
        return inputOffset + chunkOffset + pos;
    }

    /** How many segments of the edges the second thread parsed in the last read (for tests). */
    int segmentsOnSecondThread() {
        return segmentsOnSecondThread;
    }

    /** Whether the second thread read the strings in the last read (for tests). */
    boolean stringsReadAhead() {
        return stringsReadAhead;
    }

    int edgeFieldCount() {
        return edgeFields;
    }

    /**
     * Drops this reader's references to the arrays: the snapshot owns them now, and phases that park some of them
     * on disk must be able to free them while a caller still holds the reader.
     */
    private void release() {
        nodeType = null;
        nodeName = null;
        nodeId = null;
        selfSize = null;
        firstEdge = null;
        edgeType = null;
        edgeNameOrIndex = null;
        edgeTo = null;
        strings = null;
        pendingNodes = null;
        pendingEdges = null;
    }

    private InputStream gunzip(InputStream raw) throws IOException {
        try {
            return new GZIPInputStream(raw, 1 << 16);
        } catch (IOException e) {
            throw new SnapshotFormatException("corrupt gzip file " + what + " (" + e.getMessage() + ")");
        }
    }

    // ---- the document -------------------------------------------------------------------------------------

    private void parseTopLevel() throws IOException {
        int c = nextNonWs();
        if (c != '{') {
            throw new SnapshotFormatException("not a heap snapshot: " + what + (c < 0 ? " (it is empty)"
                    : " (not a JSON object, starts with " + describe(c) + ")"));
        }
        boolean first = true;
        for (;;) {
            c = nextNonWs();
            if (c == '}') {
                break;
            }
            if (!first) {
                if (c != ',') {
                    throw unexpected(c);
                }
                c = nextNonWs();
            }
            if (c != '"') {
                throw unexpected(c);
            }
            String key = readKey();
            if (nextNonWs() != ':') {
                throw new SnapshotFormatException("not a heap snapshot: " + what + " (malformed JSON after key \"" + key + "\")");
            }
            section = "\"" + key + "\"";
            sectionNumbers = 0;
            if (KEYS_READ.contains(key) && !keysSeen.add(key)) {
                throw corrupt("a second \"" + key + "\" in the top-level object");
            }
            switch (key) {
                case "snapshot" -> readHeader();
                case "nodes" -> readNumberArray(true);
                case "edges" -> readNumberArray(false);
                case "strings" -> readStrings();
                default -> skipValue(null);
            }
            section = "the top-level object";
            first = false;
        }
        int trailing = nextNonWs();
        if (trailing >= 0) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (" + describe(trailing) + " after the end of the JSON)");
        }
    }

    private void readHeader() throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream(4096);
        skipValue(header);
        meta = SnapshotMeta.parse(header.toByteArray(), what);
        checkCountsFit();
        headerCheck.check(meta);
        allocate();
        if (split != null) {
            split.arraysReady(this);
        }
        if (pendingNodes != null) {
            for (int i = 0; i < pendingNodes.size(); i++) {
                acceptNodeNumber(pendingNodes.get(i));
            }
            pendingNodes = null;
            endNodes();
        }
        if (pendingEdges != null) {
            for (int i = 0; i < pendingEdges.size(); i++) {
                acceptEdgeNumber(pendingEdges.get(i));
            }
            pendingEdges = null;
            endEdges();
        }
    }

    /**
     * Header counts against what the file can hold, before anything is sized from them: every number takes a digit
     * and a separator, and deflate expands at most 1032-fold. A file whose size is unknown (a pipe) is not checked.
     */
    private void checkCountsFit() throws SnapshotFormatException {
        if (maxDecodedBytes < 0) {
            return;
        }
        long numbers = meta.nodeCount() * meta.nodeFieldCount() + meta.edgeCount() * meta.edgeFieldCount();
        if (numbers > maxDecodedBytes / 2) {
            throw corrupt("the header claims " + meta.nodeCount() + " nodes and " + meta.edgeCount() + " edges, "
                    + numbers + " numbers, more than " + (gzip ? "a gzip file of its size" : "a file of its size")
                    + " can hold");
        }
    }

    /** Allocates every big array as soon as the counts are known, so a snapshot too large fails before the parse. */
    private void allocate() {
        int n = (int) meta.nodeCount();
        int e = (int) meta.edgeCount();
        nodeType = new byte[n];
        nodeName = new int[n];
        nodeId = new int[n];
        selfSize = new int[n];
        firstEdge = new int[n + 1];
        edgeType = new byte[e];
        edgeNameOrIndex = new int[e];
        edgeTo = new int[e];
        nodeFields = meta.nodeFieldCount();
        nodeFieldsReciprocal = reciprocal(nodeFields);
        edgeFields = meta.edgeFieldCount();
        nodeRecord = new long[nodeFields];
        nodeTypeAt = meta.nodeField("type");
        nodeNameAt = meta.nodeField("name");
        nodeIdAt = meta.nodeField("id");
        selfSizeAt = meta.nodeField("self_size");
        edgeCountAt = meta.nodeField("edge_count");
        edgeRecord = new long[edgeFields];
        edgeTypeAt = meta.edgeField("type");
        edgeNameAt = meta.edgeField("name_or_index");
        edgeToAt = meta.edgeField("to_node");
        nodeTypeCount = meta.nodeTypes().size();
        edgeTypeCount = meta.edgeTypes().size();
        elementEdgeType = meta.edgeType("element");
        hiddenEdgeType = meta.edgeType("hidden");
    }

    private HeapSnapshot finish() throws SnapshotFormatException {
        if (meta == null) {
            throw new SnapshotFormatException("not a heap snapshot: " + what + " (no \"snapshot.meta\")");
        }
        for (String[] part : new String[][] {{"nodes", sawNodes ? "" : null}, {"edges", sawEdges ? "" : null},
                {"strings", strings != null ? "" : null}}) {
            if (part[1] == null) {
                throw new SnapshotFormatException("not a heap snapshot: " + what + " (no \"" + part[0] + "\" array)");
            }
        }
        if (edgeSum != meta.edgeCount()) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (the nodes' edge counts add up to "
                    + edgeSum + ", but edge_count is " + meta.edgeCount() + ")");
        }
        if (maxNameIndex >= strings.size()) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (a name refers to string " + maxNameIndex
                    + ", but there are " + strings.size() + " strings)");
        }
        int root = meta.rootOrdinal();
        if (root < 0 || root >= nodeType.length) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (root_index points outside the nodes)");
        }
        return new HeapSnapshot(meta, file.toString(), nodeType, nodeName, nodeId, selfSize,
                largeSelfSize.toArray(), firstEdge, edgeType,
                edgeNameOrIndex, edgeTo, strings);
    }

    // ---- nodes and edges ----------------------------------------------------------------------------------

    /** Reads {@code nodes} or {@code edges}: into the arrays, or aside until the header has come. */
    private void readNumberArray(boolean nodes) throws IOException {
        expectArrayStart();
        if (nodes) {
            sawNodes = true;
        } else {
            sawEdges = true;
        }
        if (meta == null) {
            closeSplit(); // the arrays come before the header: an unusual layout, read serially
            LongList pending = readPending();
            if (nodes) {
                pendingNodes = pending;
            } else {
                pendingEdges = pending;
            }
            return;
        }
        if (nodes) {
            scanNumbers(true, 0, NO_STOP);
            endNodes();
        } else {
            if (split != null) {
                readEdgesSplit();
            } else {
                scanNumbers(false, 0, NO_STOP);
            }
            endEdges();
        }
    }

    /**
     * Reads the edges segment by segment, claiming each next one, while the second thread claims them from the back
     * (see {@link EdgeSplit}); when the next one is taken, waits for that thread and goes on after the array.
     * Where the plan and this thread's reading disagree, the second thread is stopped (and waited for) and the
     * rest is read here.
     */
    private void readEdgesSplit() throws IOException {
        try (EdgeSplit s = split) {
            split = null;
            EdgeSplit.Plan plan = s.plan();
            if (plan == null || plan.offsets()[0] != position()) {
                s.close();
                scanNumbers(false, 0, NO_STOP);
                return;
            }
            long[] offsets = plan.offsets();
            long[] firstNumbers = plan.firstNumbers();
            int segment = 0;
            for (;;) {
                boolean last = segment + 1 == plan.segments();
                if (!scanNumbers(false, firstNumbers[segment], last ? NO_STOP : firstNumbers[segment + 1])) {
                    return; // at the array's end: read here to the last number, or endEdges() says what is wrong
                }
                if (position() != offsets[segment + 1]) {
                    s.close();
                    scanNumbers(false, firstNumbers[segment + 1], NO_STOP);
                    return;
                }
                if (!s.claimFront(segment + 1)) {
                    break;
                }
                segment++;
            }
            EdgeSplit.Tail tail = s.tail();
            if (tail == null) {
                s.close();
                scanNumbers(false, firstNumbers[segment + 1], NO_STOP);
                return;
            }
            edgeCursor = edgeType.length; // the second thread checked that its last segment completes the edges
            segmentsOnSecondThread = tail.segments();
            maxNameIndex = Math.max(maxNameIndex, tail.maxNameIndex());
            // the second thread followed the structure from the edges' end to the top-level strings array and may
            // have read it: this thread reads on after the edges as the one-thread path does (what lies between is
            // judged alike), and takes those strings when it meets the array where they began
            stringsAhead = s.strings();
            openAt(tail.endOffset());
        }
    }

    /**
     * The second thread's part of {@link #readEdgesSplit}: parses the segments it claims, last first, into this
     * reader's arrays, and checks that each ends where the next begins. Null when it claimed none.
     */
    EdgeSplit.Tail readEdgeSegments(EdgeSplit.Plan plan, EdgeSplit owner) throws IOException {
        SnapshotReader tail = new SnapshotReader(this);
        tail.cancelled = owner::cancelled;
        FileChunks chunks = new FileChunks(file, bytesRead);
        tail.input = chunks;
        long[] offsets = plan.offsets();
        long[] firstNumbers = plan.firstNumbers();
        long endOffset = -1;
        int segments = 0;
        try {
            for (int segment; (segment = owner.nextSegment(plan)) >= 0; segments++) {
                chunks.seek(offsets[segment]);
                tail.emptyBuffer();
                tail.edgeCursor = (int) (firstNumbers[segment] / edgeFields);
                boolean last = segment + 1 == plan.segments();
                boolean stopped = tail.scanNumbers(false, firstNumbers[segment], last ? NO_STOP : firstNumbers[segment + 1]);
                if (last) {
                    tail.endEdges();
                    endOffset = tail.position();
                } else if (!stopped || tail.position() != offsets[segment + 1]) {
                    throw new IllegalStateException("edge segment " + segment + " does not end where the next begins");
                }
            }
        } finally {
            chunks.close();
        }
        return endOffset < 0 ? null : new EdgeSplit.Tail(segments, endOffset, tail.maxNameIndex);
    }

    /** Collects one node's fields; a complete record is stored by {@link #storeNode}. */
    private void acceptNodeNumber(long v) throws SnapshotFormatException {
        nodeRecord[nodeFieldCursor] = v;
        if (++nodeFieldCursor == nodeFields) {
            nodeFieldCursor = 0;
            storeNode(nodeRecord);
        }
    }

    private void storeNode(long[] r) throws SnapshotFormatException {
        int node = nodeCursor;
        if (node >= nodeType.length) {
            throw tooMany("nodes", "node_count", nodeType.length);
        }
        long type = r[nodeTypeAt];
        if (type >= nodeTypeCount) {
            throw badType("node", node, type, nodeTypeCount);
        }
        nodeType[node] = (byte) type;
        long name = r[nodeNameAt];
        if (name > maxNameIndex) {
            maxNameIndex = checkedStringIndex(name);
        }
        nodeName[node] = (int) name;
        long id = r[nodeIdAt];
        if (id > MAX_UINT32) {
            throw beyond32Bits("node " + node + " has id " + id);
        }
        nodeId[node] = (int) id; // unsigned 32-bit
        long size = r[selfSizeAt];
        selfSize[node] = size <= Integer.MAX_VALUE ? (int) size : largeSize(size);
        edgeSum += r[edgeCountAt];
        if (edgeSum > edgeType.length) {
            throw edgeCountsExceed(node);
        }
        firstEdge[node + 1] = (int) edgeSum;
        nodeCursor = node + 1;
    }

    private void endNodes() throws SnapshotFormatException {
        checkComplete("nodes", "node_count", nodeCursor, nodeFieldCursor, nodeFields, nodeType.length);
    }

    /** Collects one edge's fields; a complete record is stored by {@link #storeEdge}. */
    private void acceptEdgeNumber(long v) throws SnapshotFormatException {
        edgeRecord[edgeFieldCursor] = v;
        if (++edgeFieldCursor == edgeFields) {
            edgeFieldCursor = 0;
            storeEdge(edgeRecord);
        }
    }

    private void storeEdge(long[] r) throws SnapshotFormatException {
        int edge = edgeCursor;
        if (edge >= edgeType.length) {
            throw tooMany("edges", "edge_count", edgeType.length);
        }
        long type = r[edgeTypeAt];
        if (type >= edgeTypeCount) {
            throw badType("edge", edge, type, edgeTypeCount);
        }
        edgeType[edge] = (byte) type;
        long nameOrIndex = r[edgeNameAt];
        if (type == elementEdgeType || type == hiddenEdgeType) {
            if (nameOrIndex > MAX_UINT32) { // an index may use all 32 bits
                throw beyond32Bits("edge " + edge + " has index " + nameOrIndex);
            }
        } else if (nameOrIndex > maxNameIndex) {
            maxNameIndex = checkedStringIndex(nameOrIndex); // a string index: below 2^31
        }
        edgeNameOrIndex[edge] = (int) nameOrIndex;
        long toNode = r[edgeToAt];
        long to = ordinalOf(toNode, nodeFields, nodeFieldsReciprocal);
        if (to < 0 || to >= nodeType.length) {
            throw badTarget(edge, toNode);
        }
        edgeTo[edge] = (int) to;
        edgeCursor = edge + 1;
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

    /** Files a size of 2 GiB or more aside, returning its code for {@link HeapSnapshot}'s int array. */
    private int largeSize(long v) {
        largeSelfSize.add(v);
        return -largeSelfSize.size();
    }

    // error paths of the accept methods, kept out of them so that they stay small enough to inline

    private SnapshotFormatException tooMany(String array, String count, int expected) {
        return corrupt("\"" + array + "\" holds more than " + count + " " + expected + " " + array);
    }

    private SnapshotFormatException badType(String what, int ordinal, long type, int types) {
        return corrupt(what + " " + ordinal + " has type " + type + ", beyond the " + types + " " + what + " types");
    }

    private SnapshotFormatException edgeCountsExceed(int node) {
        return corrupt("the nodes' edge counts exceed edge_count " + edgeType.length + " at node " + node);
    }

    private SnapshotFormatException beyond32Bits(String what) {
        return corrupt(what + ", beyond V8's 32 bits");
    }

    private SnapshotFormatException badTarget(int edge, long toNode) {
        return corrupt("edge " + edge + " points to node field index " + toNode + ", not one of the "
                + nodeType.length + " nodes");
    }

    private int checkedStringIndex(long v) throws SnapshotFormatException {
        if (v > Integer.MAX_VALUE) {
            throw corrupt("a name refers to string " + v + ", beyond 2^31");
        }
        return (int) v;
    }

    private void endEdges() throws SnapshotFormatException {
        checkComplete("edges", "edge_count", edgeCursor, edgeFieldCursor, edgeFields, edgeType.length);
    }

    private void checkComplete(String array, String countName, int records, int fieldCursor, int fields, int expected)
            throws SnapshotFormatException {
        if (records != expected || fieldCursor != 0) {
            long numbers = (long) records * fields + fieldCursor;
            throw corrupt("\"" + array + "\" holds " + numbers + " numbers, but " + countName + " " + expected + " × "
                    + fields + " fields needs " + (long) expected * fields);
        }
    }

    // ---- strings ------------------------------------------------------------------------------------------

    private void readStrings() throws IOException {
        expectArrayStart();
        EdgeSplit.Strings ahead = stringsAhead;
        stringsAhead = null;
        if (ahead != null && ahead.startOffset() == position()) {
            strings = ahead.table();
            stringsReadAhead = true;
            openAt(ahead.endOffset());
            return;
        }
        // the nodes and edges name strings up to maxNameIndex (when they came first); a corrupt index cannot
        // make the table claim more than one string per number
        long expected = meta == null ? 0 : Math.min(maxNameIndex + 1L, meta.nodeCount() + meta.edgeCount());
        strings = new StringTable(true, (int) expected);
        readStringElements();
    }

    /**
     * The second thread's other part (see {@link EdgeSplit}): reads the strings array whose first element is at
     * {@code offset} into a table of its own, ahead of this reader.
     */
    EdgeSplit.Strings readStringsAhead(long offset, EdgeSplit owner) throws IOException {
        SnapshotReader ahead = new SnapshotReader(this);
        ahead.cancelled = owner::cancelled;
        ahead.section = "\"strings\"";
        FileChunks chunks = new FileChunks(file, bytesRead);
        try {
            ahead.input = chunks;
            chunks.seek(offset);
            ahead.emptyBuffer();
            ahead.strings = new StringTable();
            ahead.readStringElements();
            return new EdgeSplit.Strings(ahead.strings, offset, ahead.position());
        } finally {
            chunks.close();
        }
    }

    /** The elements of the strings array, its '[' read, through its ']'. */
    private void readStringElements() throws IOException {
        int c = nextNonWs();
        if (c == ']') {
            strings.trim();
            return;
        }
        for (;;) {
            if (c != '"') {
                throw unexpected(c);
            }
            readStringInto(strings);
            sectionNumbers++;
            c = nextNonWs();
            if (c == ']') {
                break;
            }
            if (c != ',') {
                throw unexpected(c);
            }
            c = nextNonWs();
        }
        strings.trim();
    }

    /**
     * Decodes one JSON string (its opening quote already read) into the table as UTF-8. V8 writes ASCII with
     * {@code \\uXXXX} escapes; a surrogate pair becomes one 4-byte sequence and a lone surrogate U+FFFD.
     */
    private void readStringInto(StringTable table) throws IOException {
        table.begin();
        int pendingHigh = -1;
        for (;;) {
            if (pos >= limit && !fill()) {
                throw truncated();
            }
            int run = pos;
            byte[] b = buf;
            int end = limit;
            int p = pos;
            while (p < end && b[p] != '"' && b[p] != '\\') {
                p++;
            }
            if (p > run) {
                if (pendingHigh >= 0) {
                    utf8(table, 0xFFFD);
                    pendingHigh = -1;
                }
                table.append(b, run, p - run);
            }
            pos = p;
            if (p == end) {
                continue;
            }
            pos++;
            if (b[p] == '"') {
                if (pendingHigh >= 0) {
                    utf8(table, 0xFFFD);
                }
                table.end();
                return;
            }
            int e = nextByte();
            if (e == 'u') {
                int unit = 0;
                for (int i = 0; i < 4; i++) {
                    int h = Character.digit(nextByte(), 16);
                    if (h < 0) {
                        throw corrupt("a bad \\u escape in string " + sectionNumbers);
                    }
                    unit = (unit << 4) | h;
                }
                if (Character.isLowSurrogate((char) unit) && pendingHigh >= 0) {
                    utf8(table, Character.toCodePoint((char) pendingHigh, (char) unit));
                    pendingHigh = -1;
                    continue;
                }
                if (pendingHigh >= 0) {
                    utf8(table, 0xFFFD);
                    pendingHigh = -1;
                }
                if (Character.isHighSurrogate((char) unit)) {
                    pendingHigh = unit;
                } else {
                    utf8(table, Character.isLowSurrogate((char) unit) ? 0xFFFD : unit);
                }
                continue;
            }
            if (pendingHigh >= 0) {
                utf8(table, 0xFFFD);
                pendingHigh = -1;
            }
            switch (e) {
                case '"', '\\', '/' -> table.append((byte) e);
                case 'n' -> table.append((byte) '\n');
                case 't' -> table.append((byte) '\t');
                case 'r' -> table.append((byte) '\r');
                case 'b' -> table.append((byte) '\b');
                case 'f' -> table.append((byte) '\f');
                default -> throw corrupt("a bad escape \\" + (char) e + " in string " + sectionNumbers);
            }
        }
    }

    private static void utf8(StringTable t, int cp) {
        if (cp < 0x80) {
            t.append((byte) cp);
        } else if (cp < 0x800) {
            t.append((byte) (0xC0 | cp >> 6));
            t.append((byte) (0x80 | cp & 0x3F));
        } else if (cp < 0x10000) {
            t.append((byte) (0xE0 | cp >> 12));
            t.append((byte) (0x80 | cp >> 6 & 0x3F));
            t.append((byte) (0x80 | cp & 0x3F));
        } else {
            t.append((byte) (0xF0 | cp >> 18));
            t.append((byte) (0x80 | cp >> 12 & 0x3F));
            t.append((byte) (0x80 | cp >> 6 & 0x3F));
            t.append((byte) (0x80 | cp & 0x3F));
        }
    }

    // ---- the scanner --------------------------------------------------------------------------------------

    /** Moves to the next chunk of input; false at the end of the file. */
    private boolean fill() throws IOException {
        ChunkSource.Chunk c;
        try {
            c = input.next();
        } catch (IOException e) {
            throw new SnapshotFormatException("cannot read " + what + ": " + e.getMessage(), e);
        }
        if (c == null) {
            buf = new byte[1];
            pos = 0;
            limit = 0;
            return false;
        }
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("the edges' tail is no longer needed");
        }
        buf = c.bytes; // bytes[length] is a sentinel that is no digit (see ChunkedInput)
        chunkOffset = c.offset;
        pos = 0;
        limit = c.length;
        return true;
    }

    private int nextByte() throws IOException {
        if (pos >= limit && !fill()) {
            throw truncated();
        }
        return buf[pos++] & 0xFF;
    }

    /** The next byte that is not white space, consumed; -1 at the end of the file. */
    private int nextNonWs() throws IOException {
        for (;;) {
            if (pos >= limit && !fill()) {
                return -1;
            }
            int c = buf[pos++] & 0xFF;
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return c;
            }
        }
    }

    private void expectArrayStart() throws IOException {
        int c = nextNonWs();
        if (c != '[') {
            throw corrupt(section + " is not an array");
        }
        pendingSeparated = true;
    }

    /**
     * Scans the numbers of {@code nodes} or {@code edges} straight into the arrays, up to the closing bracket, or up
     * to the comma after number {@code stopAt - 1} (then it returns true). {@code count} is the index of the first
     * number, which follows a '[' or a ','. The hot loop of the whole parse: it keeps the scanner's state in locals,
     * touches the fields only when a chunk ends, and calls nothing per number but the small {@code accept} methods,
     * which the JIT inlines.
     */
    private boolean scanNumbers(boolean nodes, long count, long stopAt) throws IOException {
        byte[] b = buf;
        int p = pos;
        int end = limit;
        boolean separated = true; // a number may follow: after '[' or ','
        for (;;) {
            if (p >= end) {
                pos = p;
                sectionNumbers = count;
                if (!fill()) {
                    throw truncated();
                }
                b = buf;
                p = pos;
                end = limit;
                continue;
            }
            int c = b[p];
            if (c >= '0' && c <= '9') {
                if (!separated) {
                    throw unexpectedAt(p, count, c);
                }
                long v = c - '0';
                int digits = 1;
                p++;
                for (;;) {
                    // every chunk ends with a non-digit sentinel, so this loop needs no bounds check
                    int from = p;
                    int d;
                    while ((d = b[p] - '0') >= 0 && d <= 9) {
                        v = v * 10 + d;
                        p++;
                    }
                    digits += p - from;
                    if (digits > MAX_DIGITS) {
                        throw corrupt("a number too large in " + section);
                    }
                    if (p < end) {
                        break;
                    }
                    pos = p; // the chunk ended inside the number: it goes on in the next one
                    sectionNumbers = count;
                    if (!fill()) {
                        throw truncated();
                    }
                    b = buf;
                    p = pos;
                    end = limit;
                }
                if (nodes) {
                    acceptNodeNumber(v);
                } else {
                    acceptEdgeNumber(v);
                }
                count++;
                separated = false;
            } else if (c == ',' && !separated) {
                separated = true;
                p++;
                if (count == stopAt) {
                    pos = p;
                    sectionNumbers = count;
                    return true;
                }
            } else if (c == ']' && (!separated || count == 0)) {
                pos = p + 1;
                sectionNumbers = count;
                return false;
            } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                p++;
            } else {
                throw unexpectedAt(p, count, c);
            }
        }
    }

    /** The numbers of an array whose meaning is not known yet (its header comes later). */
    private LongList readPending() throws IOException {
        LongList list = new LongList();
        pendingTarget = list;
        scanPending();
        return list;
    }

    private LongList pendingTarget;

    private void scanPending() throws IOException {
        for (;;) {
            int c = nextNonWs();
            if (c == ']' && (pendingTarget.size() == 0 || !pendingSeparated)) {
                return;
            }
            if (c == ',' && !pendingSeparated) {
                pendingSeparated = true;
                continue;
            }
            if (c < '0' || c > '9' || !pendingSeparated) {
                throw unexpected(c);
            }
            long v = c - '0';
            for (int digits = 1; ; digits++) {
                if (pos >= limit && !fill()) {
                    throw truncated();
                }
                int d = buf[pos] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                if (digits == MAX_DIGITS) {
                    throw corrupt("a number too large in " + section);
                }
                v = v * 10 + d;
                pos++;
            }
            pendingTarget.add(v);
            sectionNumbers++;
            pendingSeparated = false;
        }
    }

    private boolean pendingSeparated = true;

    private SnapshotFormatException unexpectedAt(int p, long count, int c) {
        pos = p;
        sectionNumbers = count;
        return unexpected(c & 0xFF);
    }

    /** Skips one JSON value; with {@code capture}, copies its text there. */
    private void skipValue(ByteArrayOutputStream capture) throws IOException {
        int c = nextNonWs();
        if (c < 0) {
            throw truncated();
        }
        if (capture != null) {
            capture.write(c);
        }
        if (c == '"') {
            skipString(capture);
            return;
        }
        if ((c == '{' || c == '[') && capture == null) {
            skipNested();
            return;
        }
        if (c == '{' || c == '[') {
            int depth = 1;
            while (depth > 0) {
                int d = nextByte();
                if (capture != null) {
                    capture.write(d);
                }
                if (d == '"') {
                    skipString(capture);
                } else if (d == '{' || d == '[') {
                    depth++;
                } else if (d == '}' || d == ']') {
                    depth--;
                }
            }
            return;
        }
        if (c == '}' || c == ']' || c == ',' || c == ':') {
            throw unexpected(c);
        }
        // a number or a literal: runs to the next separator
        for (;;) {
            if (pos >= limit && !fill()) {
                return;
            }
            int d = buf[pos];
            if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\n' || d == '\r' || d == '\t') {
                return;
            }
            pos++;
            if (capture != null) {
                capture.write(d);
            }
        }
    }

    /**
     * Skips an object or array whose opening bracket was read, through its closing one: the loop of
     * {@link #skipValue} over the buffer in locals, a chunk at a time (V8's locations and trace tree, megabytes of
     * numbers that no analysis reads, pass through here).
     */
    private void skipNested() throws IOException {
        int depth = 1;
        byte[] b = buf;
        int p = pos;
        int end = limit;
        for (;;) {
            if (p >= end) {
                pos = p;
                if (!fill()) {
                    throw truncated();
                }
                b = buf;
                p = pos;
                end = limit;
                continue;
            }
            int d = b[p++];
            if (d == '"') {
                pos = p;
                skipString(null);
                b = buf;
                p = pos;
                end = limit;
            } else if (d == '{' || d == '[') {
                depth++;
            } else if ((d == '}' || d == ']') && --depth == 0) {
                pos = p;
                return;
            }
        }
    }

    private void skipString(ByteArrayOutputStream capture) throws IOException {
        for (;;) {
            int d = nextByte();
            if (capture != null) {
                capture.write(d);
            }
            if (d == '\\') {
                int e = nextByte();
                if (capture != null) {
                    capture.write(e);
                }
            } else if (d == '"') {
                return;
            }
        }
    }

    private String readKey() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (;;) {
            int d = nextByte();
            if (d == '"') {
                return sb.toString();
            }
            if (d == '\\') {
                d = nextByte();
            }
            if (sb.length() > 200) {
                throw corrupt("a key longer than 200 characters");
            }
            sb.append((char) d);
        }
    }

    // ---- errors -------------------------------------------------------------------------------------------

    private SnapshotFormatException truncated() {
        String where = section;
        if (meta != null && section.equals("\"nodes\"")) {
            return new SnapshotFormatException("truncated snapshot " + what + " (the file ends inside \"nodes\", after "
                    + sectionNumbers + " of " + meta.nodeCount() * meta.nodeFieldCount() + " numbers)");
        }
        if (meta != null && section.equals("\"edges\"")) {
            return new SnapshotFormatException("truncated snapshot " + what + " (the file ends inside \"edges\", after "
                    + sectionNumbers + " of " + meta.edgeCount() * meta.edgeFieldCount() + " numbers)");
        }
        if (section.equals("\"strings\"")) {
            return new SnapshotFormatException("truncated snapshot " + what + " (the file ends inside \"strings\", after "
                    + sectionNumbers + " strings)");
        }
        return new SnapshotFormatException("truncated snapshot " + what + " (the file ends inside " + where + ")");
    }

    private SnapshotFormatException corrupt(String detail) {
        return new SnapshotFormatException("corrupt snapshot " + what + " (" + detail + ")");
    }

    private SnapshotFormatException unexpected(int c) {
        if (c < 0) {
            return truncated();
        }
        if (meta == null && !sawNodes && section.equals("the top-level object")) {
            return new SnapshotFormatException("not a heap snapshot: " + what + " (malformed JSON: unexpected " + describe(c) + ")");
        }
        return corrupt("unexpected " + describe(c) + " in " + section
                + (sectionNumbers > 0 ? " after " + sectionNumbers + " values" : ""));
    }

    private static String describe(int c) {
        if (c >= 0x20 && c < 0x7f) {
            return "'" + (char) c + "'";
        }
        return String.format("byte 0x%02x", c & 0xFF);
    }
}
