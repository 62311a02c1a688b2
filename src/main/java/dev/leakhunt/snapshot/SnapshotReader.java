package dev.leakhunt.snapshot;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * Reads a {@code .heapsnapshot} file (plain or gzip, told by its magic bytes) in one streaming pass into a
 * {@link HeapSnapshot}: the coordinator of the parse, which owns the input and the threads.
 *
 * <p>The {@code snapshot} header is small and read with Jackson ({@link SnapshotMeta}). The big arrays are scanned
 * byte by byte ({@link JsonScanner}) straight into arrays sized from {@code node_count} and {@code edge_count}
 * ({@link NodeRecords}, {@link EdgeRecords}, {@link StringsReader}): no token objects, no boxing, no copy of the
 * text. Keys are read by name in any order, each once, and unknown keys are skipped; should {@code nodes} or
 * {@code edges} precede the header, their numbers are read aside and decoded once the header has arrived.
 *
 * <p>In a plain file of some size, a second thread parses the tail of {@code edges} and reads the strings ahead
 * (see {@link EdgeSplit}); its work goes through the same decoders, so both paths judge every layout alike.
 */
public final class SnapshotReader {
    /** Decides, once the header is known, whether to go on (for instance whether the snapshot fits the heap). */
    public interface HeaderCheck {
        void check(SnapshotMeta meta) throws IOException;
    }

    /** Plain files from this size on have their edges parsed by two threads. */
    static final long SPLIT_MIN_BYTES = 32L << 20;
    /** The top-level keys the reader takes; each may come once (a second one would silently replace the first). */
    private static final Set<String> KEYS_READ = Set.of("snapshot", "nodes", "edges", "strings", "locations",
            "trace_function_infos", "trace_tree", "samples");
    /** Deflate expands at most this much. */
    private static final int MAX_GZIP_RATIO = 1032;

    private final Path file;
    private final InputStream source;       // standard input, or null: the file
    private final String what;
    private final AtomicLong bytesRead = new AtomicLong();
    private long fileBytes = Long.MAX_VALUE;
    private long maxDecodedBytes = -1;      // the most bytes the file can decode to; -1 when not known
    private boolean gzip;
    private HeaderCheck headerCheck = meta -> { };
    private long splitMinBytes = SPLIT_MIN_BYTES;
    private int splitBlockBytes = EdgeSplit.BLOCK_BYTES;
    private EdgeSplit split;
    private int segmentsOnSecondThread;
    private boolean stringsReadAhead;
    private EdgeSplit.Strings stringsAhead; // the strings the second thread read, until the reader meets them

    private JsonScanner scanner;
    private final Set<String> keysSeen = new HashSet<>();
    private SnapshotMeta meta;
    private NodeRecords nodes;
    private EdgeRecords edges;
    private StringTable strings;
    private Locations locations = Locations.NONE;
    private TraceFunctionRecords traceFunctions;
    private AllocationTraces traces;
    private long trackedFromId = -1;
    private boolean sawNodes;
    private boolean sawEdges;
    private LongList nodesAside;            // the arrays' numbers when they came before the header
    private LongList edgesAside;

    public SnapshotReader(Path file) {
        this(file, null, "'" + file + "'");
    }

    private SnapshotReader(Path file, InputStream source, String what) {
        this.file = file;
        this.source = source;
        this.what = what;
    }

    /**
     * A reader of a stream that cannot seek (standard input): read on one thread, plain or gzip; {@code name} names
     * it in messages.
     */
    public static SnapshotReader ofStream(InputStream in, String name) {
        return new SnapshotReader(Path.of(name), in, name);
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

    /** How many segments of the edges the second thread parsed in the last read (for tests). */
    int segmentsOnSecondThread() {
        return segmentsOnSecondThread;
    }

    /** Whether the second thread read the strings in the last read (for tests). */
    boolean stringsReadAhead() {
        return stringsReadAhead;
    }

    int edgeFieldCount() {
        return meta.edgeFieldCount();
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
        scanner = new JsonScanner(what, new ChunkedInput(gzip ? gunzip(raw) : raw, "leakhunt-read"), 0);
        try {
            if (source == null && Files.isRegularFile(file)) {
                long size = Files.size(file);
                maxDecodedBytes = !gzip ? size : size > Long.MAX_VALUE / MAX_GZIP_RATIO ? Long.MAX_VALUE
                        : size * MAX_GZIP_RATIO;
                if (!gzip) { // only a plain regular file is read on two threads: the rest cannot seek
                    fileBytes = size;
                    if (fileBytes >= splitMinBytes) {
                        split = EdgeSplit.start(file, splitBlockBytes);
                    }
                }
            }
            parseTopLevel();
            return finish();
        } finally {
            closeSplit();
            release();
            scanner.close();
        }
    }

    private InputStream gunzip(InputStream raw) throws IOException {
        try {
            return new GZIPInputStream(raw, 1 << 16);
        } catch (IOException e) {
            throw new SnapshotFormatException("corrupt gzip file " + what + " (" + e.getMessage() + ")");
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
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        channel.position(offset);
        scanner.switchTo(new ChunkedInput(new ChunkedInput.Counting(Channels.newInputStream(channel), bytesRead),
                "leakhunt-read"), offset);
    }

    /**
     * Drops this reader's references to the arrays: the snapshot owns them now, and phases that park some of them
     * on disk must be able to free them while a caller still holds the reader.
     */
    private void release() {
        nodes = null;
        edges = null;
        strings = null;
        locations = Locations.NONE;
        traceFunctions = null;
        traces = null;
        nodesAside = null;
        edgesAside = null;
    }

    // ---- the document ---------------------------------------------------------------------------------------

    private void parseTopLevel() throws IOException {
        int c = scanner.nextNonWs();
        if (c != '{') {
            throw new SnapshotFormatException("not a heap snapshot: " + what + (c < 0 ? " (it is empty)"
                    : " (not a JSON object, starts with " + JsonScanner.describe(c) + ")"));
        }
        boolean first = true;
        for (;;) {
            c = scanner.nextNonWs();
            if (c == '}') {
                break;
            }
            if (!first) {
                if (c != ',') {
                    throw scanner.unexpected(c);
                }
                c = scanner.nextNonWs();
            }
            if (c != '"') {
                throw scanner.unexpected(c);
            }
            String key = scanner.readKey();
            if (scanner.nextNonWs() != ':') {
                throw new SnapshotFormatException("not a heap snapshot: " + what + " (malformed JSON after key \""
                        + key + "\")");
            }
            scanner.enter(key, -1);
            if (KEYS_READ.contains(key) && !keysSeen.add(key)) {
                throw scanner.corrupt("a second \"" + key + "\" in the top-level object");
            }
            switch (key) {
                case "snapshot" -> readHeader();
                case "nodes" -> readNodes();
                case "edges" -> readEdges();
                case "strings" -> readStrings();
                case "locations" -> readLocations();
                case "trace_function_infos" -> readTraceFunctions();
                case "trace_tree" -> readTraceTree();
                case "samples" -> readSamples();
                default -> scanner.skipValue(null);
            }
            scanner.leave();
            first = false;
        }
        int trailing = scanner.nextNonWs();
        if (trailing >= 0) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (" + JsonScanner.describe(trailing)
                    + " after the end of the JSON)");
        }
    }

    private void readHeader() throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream(4096);
        scanner.skipValue(header);
        meta = SnapshotMeta.parse(header.toByteArray(), what);
        scanner.recognized();
        checkCountsFit();
        headerCheck.check(meta);
        // every big array is allocated as soon as the counts are known, so a snapshot too large fails early
        nodes = new NodeRecords(meta, what);
        edges = new EdgeRecords(meta, what);
        if (split != null) {
            split.arraysReady(this);
        }
        if (nodesAside != null) {
            decodeAside(nodesAside, nodes);
            nodesAside = null;
            nodes.end("nodes", "node_count");
        }
        if (edgesAside != null) {
            decodeAside(edgesAside, edges);
            edgesAside = null;
            edges.end("edges", "edge_count");
        }
    }

    private static void decodeAside(LongList numbers, RecordDecoder decoder) throws SnapshotFormatException {
        for (int i = 0; i < numbers.size(); i++) {
            decoder.accept(numbers.get(i));
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
            throw scanner.corrupt("the header claims " + meta.nodeCount() + " nodes and " + meta.edgeCount()
                    + " edges, " + numbers + " numbers, more than "
                    + (gzip ? "a gzip file of its size" : "a file of its size") + " can hold");
        }
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
        if (nodes.edgeSum() != meta.edgeCount()) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (the nodes' edge counts add up to "
                    + nodes.edgeSum() + ", but edge_count is " + meta.edgeCount() + ")");
        }
        int maxNameIndex = maxNameIndex();
        if (maxNameIndex >= strings.size()) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (a name refers to string " + maxNameIndex
                    + ", but there are " + strings.size() + " strings)");
        }
        int root = meta.rootOrdinal();
        if (root < 0 || root >= nodes.type.length) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (root_index points outside the nodes)");
        }
        HeapSnapshot snapshot = new HeapSnapshot(meta, file.toString(), nodes.type, nodes.name, nodes.id,
                nodes.selfSize, nodes.largeSelfSize.toArray(), nodes.firstEdge, edges.type, edges.nameOrIndex, edges.to,
                strings);
        snapshot.locations(locations);
        if (meta.hasTraces() && nodes.traceNode != null) {
            snapshot.traces(nodes.traceNode, checkedTraces(), trackedFromId);
        }
        return snapshot;
    }

    private int maxNameIndex() {
        return meta == null ? -1 : Math.max(Math.max(nodes.maxNameIndex, edges.maxNameIndex),
                traceFunctions == null ? -1 : traceFunctions.maxNameIndex);
    }

    /** The traces the header promised, each node's trace node among them. */
    private AllocationTraces checkedTraces() throws SnapshotFormatException {
        if (traces == null) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (trace_function_count is "
                    + meta.traceFunctionCount() + ", but there is no \"trace_function_infos\" and \"trace_tree\")");
        }
        int[] traceNode = nodes.traceNode;
        for (int v = 0; v < traceNode.length; v++) {
            if (traceNode[v] != 0 && traces.nodeOf(traceNode[v]) < 0) {
                throw new SnapshotFormatException("corrupt snapshot " + what + " (node " + v + " names trace node "
                        + traceNode[v] + ", which \"trace_tree\" does not hold)");
            }
        }
        return traces;
    }

    // ---- nodes and edges ------------------------------------------------------------------------------------

    private void readNodes() throws IOException {
        scanner.expectArrayStart();
        sawNodes = true;
        scanner.recognized();
        if (meta == null) {
            closeSplit(); // the arrays come before the header: an unusual layout, read serially
            nodesAside = scanner.readAside();
            return;
        }
        scanner.enter("nodes", meta.nodeCount() * meta.nodeFieldCount());
        scanner.scanNumbers(nodes, 0, JsonScanner.NO_STOP);
        nodes.end("nodes", "node_count");
    }

    private void readEdges() throws IOException {
        scanner.expectArrayStart();
        sawEdges = true;
        if (meta == null) {
            closeSplit();
            edgesAside = scanner.readAside();
            return;
        }
        scanner.enter("edges", meta.edgeCount() * meta.edgeFieldCount());
        if (split != null) {
            readEdgesSplit();
        } else {
            scanner.scanNumbers(edges, 0, JsonScanner.NO_STOP);
        }
        edges.end("edges", "edge_count");
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
            if (plan == null || plan.offsets()[0] != scanner.position()) {
                s.close();
                scanner.scanNumbers(edges, 0, JsonScanner.NO_STOP);
                return;
            }
            long[] offsets = plan.offsets();
            long[] firstNumbers = plan.firstNumbers();
            int segment = 0;
            for (;;) {
                boolean last = segment + 1 == plan.segments();
                long stop = last ? JsonScanner.NO_STOP : firstNumbers[segment + 1];
                if (!scanner.scanNumbers(edges, firstNumbers[segment], stop)) {
                    return; // at the array's end: read here to the last number, or edges.end() says what is wrong
                }
                if (scanner.position() != offsets[segment + 1]) {
                    s.close();
                    scanner.scanNumbers(edges, firstNumbers[segment + 1], JsonScanner.NO_STOP);
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
                scanner.scanNumbers(edges, firstNumbers[segment + 1], JsonScanner.NO_STOP);
                return;
            }
            edges.completedBy(tail.maxNameIndex()); // the second thread checked that its last segment ends them
            segmentsOnSecondThread = tail.segments();
            // the second thread followed the structure from the edges' end to the top-level strings array and may
            // have read it: this thread reads on after the edges as the one-thread path does (what lies between is
            // judged alike), and takes those strings when it meets the array where they began
            stringsAhead = s.strings();
            openAt(tail.endOffset());
        }
    }

    /**
     * The second thread's part of {@link #readEdgesSplit}: parses the segments it claims, last first, into this
     * reader's arrays through decoders of its own, and checks that each ends where the next begins. Null when it
     * claimed none.
     */
    EdgeSplit.Tail readEdgeSegments(EdgeSplit.Plan plan, EdgeSplit owner) throws IOException {
        long[] offsets = plan.offsets();
        long[] firstNumbers = plan.firstNumbers();
        int fields = meta.edgeFieldCount();
        EdgeRecords arrays = edges;
        long endOffset = -1;
        int segments = 0;
        int maxNameIndex = -1;
        FileChunks chunks = new FileChunks(file, bytesRead);
        try (JsonScanner tail = new JsonScanner(what, chunks, 0).cancelledBy(owner::cancelled)) {
            tail.enter("edges", meta.edgeCount() * fields);
            for (int segment; (segment = owner.nextSegment(plan)) >= 0; segments++) {
                chunks.seek(offsets[segment]);
                tail.dropWindow();
                EdgeRecords decoder = arrays.segment(meta, (int) (firstNumbers[segment] / fields));
                boolean last = segment + 1 == plan.segments();
                long stop = last ? JsonScanner.NO_STOP : firstNumbers[segment + 1];
                boolean stopped = tail.scanNumbers(decoder, firstNumbers[segment], stop);
                if (last) {
                    decoder.end("edges", "edge_count");
                    endOffset = tail.position();
                } else if (!stopped || tail.position() != offsets[segment + 1]) {
                    throw new IllegalStateException("edge segment " + segment + " does not end where the next begins");
                }
                maxNameIndex = Math.max(maxNameIndex, decoder.maxNameIndex);
            }
        }
        return endOffset < 0 ? null : new EdgeSplit.Tail(segments, endOffset, maxNameIndex);
    }

    /**
     * Reads {@code locations} when the header says what its fields are (V8 writes it after the header); a file
     * without them, or with fields we do not know, is read without (its value skipped).
     */
    private void readLocations() throws IOException {
        if (meta == null || !meta.hasLocations()) {
            scanner.skipValue(null);
            return;
        }
        scanner.expectArrayStart();
        LocationRecords records = new LocationRecords(meta, what, sawNodes && nodesAside == null ? nodes.type : null);
        scanner.scanNumbers(records, 0, JsonScanner.NO_STOP);
        records.end("locations", "its own count");
        locations = records.locations();
    }

    /**
     * Reads {@code trace_function_infos} when the header says allocations were tracked and what its fields are;
     * else skips it.
     */
    private void readTraceFunctions() throws IOException {
        if (meta == null || !meta.hasTraces()) {
            scanner.skipValue(null);
            return;
        }
        scanner.expectArrayStart();
        TraceFunctionRecords records = new TraceFunctionRecords(meta, what);
        scanner.scanNumbers(records, 0, JsonScanner.NO_STOP);
        records.end("trace_function_infos", "trace_function_count");
        traceFunctions = records;
    }

    /** Reads {@code trace_tree} (nested arrays, small beside the nodes) after its functions; else skips it. */
    private void readTraceTree() throws IOException {
        if (meta == null || !meta.hasTraces() || traceFunctions == null) {
            scanner.skipValue(null);
            return;
        }
        ByteArrayOutputStream text = new ByteArrayOutputStream(1 << 16);
        scanner.skipValue(text);
        traces = TraceTreeParser.parse(text.toByteArray(), meta, traceFunctions, what);
    }

    /**
     * Reads {@code samples} with traces: V8's heap statistics while it tracked, each with the last object id
     * assigned then. The first says where tracking began: objects with higher ids were allocated while tracked.
     */
    private void readSamples() throws IOException {
        List<String> fields = meta == null ? List.of() : meta.sampleFields();
        if (meta == null || !meta.hasTraces() || !fields.contains("last_assigned_id")) {
            scanner.skipValue(null);
            return;
        }
        scanner.expectArrayStart();
        int at = fields.indexOf("last_assigned_id");
        long[] first = {-1};
        RecordDecoder records = new RecordDecoder(what, fields.size()) {
            int count;

            @Override
            void store(long[] r) {
                if (count++ == 0) {
                    first[0] = r[at];
                }
            }

            @Override
            int stored() {
                return count;
            }

            @Override
            int expected() {
                return count;
            }
        };
        scanner.scanNumbers(records, 0, JsonScanner.NO_STOP);
        records.end("samples", "its own count");
        trackedFromId = first[0];
    }

    // ---- strings --------------------------------------------------------------------------------------------

    private void readStrings() throws IOException {
        scanner.expectArrayStart();
        EdgeSplit.Strings ahead = stringsAhead;
        stringsAhead = null;
        if (ahead != null && ahead.startOffset() == scanner.position()) {
            strings = ahead.table();
            stringsReadAhead = true;
            openAt(ahead.endOffset());
            return;
        }
        // the nodes and edges name strings up to maxNameIndex (when they came first); a corrupt index cannot
        // make the table claim more than one string per number
        long expected = meta == null ? 0 : Math.min(maxNameIndex() + 1L, meta.nodeCount() + meta.edgeCount());
        strings = new StringTable(true, (int) expected);
        StringsReader.read(scanner, strings);
    }

    /**
     * The second thread's other part (see {@link EdgeSplit}): reads the strings array whose first element is at
     * {@code offset} into a table of its own, ahead of this reader.
     */
    EdgeSplit.Strings readStringsAhead(long offset, EdgeSplit owner) throws IOException {
        FileChunks chunks = new FileChunks(file, bytesRead);
        chunks.seek(offset);
        try (JsonScanner ahead = new JsonScanner(what, chunks, 0).cancelledBy(owner::cancelled)) {
            ahead.enter("strings", -1);
            StringTable table = new StringTable();
            StringsReader.read(ahead, table);
            return new EdgeSplit.Strings(table, offset, ahead.position());
        }
    }
}
