package dev.leakhunt.snapshot;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
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
 */
public final class SnapshotReader {
    /** Decides, once the header is known, whether to go on (for instance whether the snapshot fits the heap). */
    public interface HeaderCheck {
        void check(SnapshotMeta meta) throws IOException;
    }

    private static final long END = -1;

    private final Path file;
    private final String what;
    private final AtomicLong bytesRead = new AtomicLong();
    private HeaderCheck headerCheck = meta -> { };

    // scanner state
    private ChunkedInput input;
    private byte[] buf = new byte[0];
    private int pos;
    private int limit;
    private boolean needSeparator;
    private String section = "the top-level object";
    private long sectionNumbers;

    // what is read
    private SnapshotMeta meta;
    private byte[] nodeType;
    private int[] nodeName;
    private int[] nodeId;
    private long[] selfSize;
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
    private int edgeFields;
    private byte[] nodeRole;
    private byte[] edgeRole;
    private int nodeCursor;
    private int nodeFieldCursor;
    private long edgeSum;
    private int edgeCursor;
    private int edgeFieldCursor;
    private int maxNameIndex = -1;
    private int elementEdgeType;
    private int hiddenEdgeType;

    private static final byte ROLE_NONE = 0;
    private static final byte ROLE_TYPE = 1;
    private static final byte ROLE_NAME = 2;
    private static final byte ROLE_ID = 3;
    private static final byte ROLE_SELF_SIZE = 4;
    private static final byte ROLE_EDGE_COUNT = 5;
    private static final byte ROLE_TO_NODE = 6;

    public SnapshotReader(Path file) {
        this.file = file;
        this.what = "'" + file + "'";
    }

    public SnapshotReader onHeader(HeaderCheck check) {
        this.headerCheck = check;
        return this;
    }

    /** Bytes of the file read so far (compressed bytes for a gzip file); safe to call from another thread. */
    public long bytesRead() {
        return bytesRead.get();
    }

    public HeapSnapshot read() throws IOException {
        InputStream raw = new BufferedInputStream(
                new ChunkedInput.Counting(Files.newInputStream(file), bytesRead), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        InputStream in = (b0 == 0x1f && b1 == 0x8b) ? gunzip(raw) : raw;
        input = new ChunkedInput(in, "leakhunt-read");
        try {
            parseTopLevel();
            return finish();
        } finally {
            input.close();
        }
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
            throw new SnapshotFormatException("not a heap snapshot: " + what + " (not a JSON object"
                    + (c < 0 ? ")" : ", starts with " + describe(c) + ")"));
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
            switch (key) {
                case "snapshot" -> readHeader();
                case "nodes" -> readNodes();
                case "edges" -> readEdges();
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
        headerCheck.check(meta);
        allocate();
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

    /** Allocates every big array as soon as the counts are known, so a snapshot too large fails before the parse. */
    private void allocate() {
        int n = (int) meta.nodeCount();
        int e = (int) meta.edgeCount();
        nodeType = new byte[n];
        nodeName = new int[n];
        nodeId = new int[n];
        selfSize = new long[n];
        firstEdge = new int[n + 1];
        edgeType = new byte[e];
        edgeNameOrIndex = new int[e];
        edgeTo = new int[e];
        nodeFields = meta.nodeFieldCount();
        edgeFields = meta.edgeFieldCount();
        nodeRole = new byte[nodeFields];
        nodeRole[meta.nodeField("type")] = ROLE_TYPE;
        nodeRole[meta.nodeField("name")] = ROLE_NAME;
        nodeRole[meta.nodeField("id")] = ROLE_ID;
        nodeRole[meta.nodeField("self_size")] = ROLE_SELF_SIZE;
        nodeRole[meta.nodeField("edge_count")] = ROLE_EDGE_COUNT;
        edgeRole = new byte[edgeFields];
        edgeRole[meta.edgeField("type")] = ROLE_TYPE;
        edgeRole[meta.edgeField("name_or_index")] = ROLE_NAME;
        edgeRole[meta.edgeField("to_node")] = ROLE_TO_NODE;
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
        return new HeapSnapshot(meta, file.toString(), nodeType, nodeName, nodeId, selfSize, firstEdge, edgeType,
                edgeNameOrIndex, edgeTo, strings);
    }

    // ---- nodes and edges ----------------------------------------------------------------------------------

    private void readNodes() throws IOException {
        expectArrayStart();
        sawNodes = true;
        if (meta == null) {
            pendingNodes = readPending();
            return;
        }
        long v;
        while ((v = nextNumber()) != END) {
            acceptNodeNumber(v);
        }
        endNodes();
    }

    private void acceptNodeNumber(long v) throws SnapshotFormatException {
        int node = nodeCursor;
        if (node >= nodeType.length) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (\"nodes\" holds more than node_count "
                    + nodeType.length + " nodes)");
        }
        switch (nodeRole[nodeFieldCursor]) {
            case ROLE_TYPE -> {
                if (v >= meta.nodeTypes().size()) {
                    throw corrupt("node " + node + " has type " + v + ", beyond the " + meta.nodeTypes().size() + " node types");
                }
                nodeType[node] = (byte) v;
            }
            case ROLE_NAME -> {
                int name = checkedInt(v, "a node name");
                nodeName[node] = name;
                if (name > maxNameIndex) {
                    maxNameIndex = name;
                }
            }
            case ROLE_ID -> nodeId[node] = (int) v; // unsigned 32-bit
            case ROLE_SELF_SIZE -> selfSize[node] = v;
            case ROLE_EDGE_COUNT -> {
                edgeSum += v;
                if (edgeSum > meta.edgeCount()) {
                    throw corrupt("the nodes' edge counts exceed edge_count " + meta.edgeCount() + " at node " + node);
                }
                firstEdge[node + 1] = (int) edgeSum;
            }
            default -> { }
        }
        if (++nodeFieldCursor == nodeFields) {
            nodeFieldCursor = 0;
            nodeCursor++;
        }
    }

    private void endNodes() throws SnapshotFormatException {
        if (nodeCursor != nodeType.length || nodeFieldCursor != 0) {
            long numbers = (long) nodeCursor * nodeFields + nodeFieldCursor;
            throw corrupt("\"nodes\" holds " + numbers + " numbers, but node_count " + nodeType.length + " × "
                    + nodeFields + " fields needs " + (long) nodeType.length * nodeFields);
        }
    }

    private void readEdges() throws IOException {
        expectArrayStart();
        sawEdges = true;
        if (meta == null) {
            pendingEdges = readPending();
            return;
        }
        long v;
        while ((v = nextNumber()) != END) {
            acceptEdgeNumber(v);
        }
        endEdges();
    }

    private void acceptEdgeNumber(long v) throws SnapshotFormatException {
        int edge = edgeCursor;
        if (edge >= edgeType.length) {
            throw corrupt("\"edges\" holds more than edge_count " + edgeType.length + " edges");
        }
        switch (edgeRole[edgeFieldCursor]) {
            case ROLE_TYPE -> {
                if (v >= meta.edgeTypes().size()) {
                    throw corrupt("edge " + edge + " has type " + v + ", beyond the " + meta.edgeTypes().size() + " edge types");
                }
                edgeType[edge] = (byte) v;
            }
            case ROLE_NAME -> edgeNameOrIndex[edge] = (int) v; // an index may use all 32 bits
            case ROLE_TO_NODE -> {
                if (v % nodeFields != 0 || v / nodeFields >= nodeType.length) {
                    throw corrupt("edge " + edge + " points to node field index " + v + ", not one of the "
                            + nodeType.length + " nodes");
                }
                edgeTo[edge] = (int) (v / nodeFields);
            }
            default -> { }
        }
        if (++edgeFieldCursor == edgeFields) {
            edgeFieldCursor = 0;
            int type = edgeType[edge];
            if (type != elementEdgeType && type != hiddenEdgeType) {
                int name = edgeNameOrIndex[edge];
                if (name < 0) {
                    throw corrupt("edge " + edge + " has name " + Integer.toUnsignedString(name) + ", not a string index");
                }
                if (name > maxNameIndex) {
                    maxNameIndex = name;
                }
            }
            edgeCursor++;
        }
    }

    private void endEdges() throws SnapshotFormatException {
        if (edgeCursor != edgeType.length || edgeFieldCursor != 0) {
            long numbers = (long) edgeCursor * edgeFields + edgeFieldCursor;
            throw corrupt("\"edges\" holds " + numbers + " numbers, but edge_count " + edgeType.length + " × "
                    + edgeFields + " fields needs " + (long) edgeType.length * edgeFields);
        }
    }

    private LongList readPending() throws IOException {
        LongList list = new LongList();
        long v;
        while ((v = nextNumber()) != END) {
            list.add(v);
        }
        return list;
    }

    private int checkedInt(long v, String what) throws SnapshotFormatException {
        if (v > Integer.MAX_VALUE) {
            throw corrupt(what + " refers to string " + v + ", beyond 2^31");
        }
        return (int) v;
    }

    // ---- strings ------------------------------------------------------------------------------------------

    private void readStrings() throws IOException {
        expectArrayStart();
        strings = new StringTable();
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
        ChunkedInput.Chunk c;
        try {
            c = input.next();
        } catch (IOException e) {
            throw new SnapshotFormatException("cannot read " + what + ": " + e.getMessage(), e);
        }
        if (c == null) {
            buf = new byte[0];
            pos = 0;
            limit = 0;
            return false;
        }
        buf = c.bytes;
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
        needSeparator = false;
    }

    /**
     * The next number of an array of non-negative integers, or {@link #END} at its closing bracket. The hot loop
     * of the whole parse: it works on locals and touches the fields only when a chunk ends.
     */
    private long nextNumber() throws IOException {
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
            byte c = b[p];
            if (c >= '0' && c <= '9') {
                if (needSeparator) {
                    pos = p;
                    throw unexpected(c);
                }
                break;
            }
            if (c == ',' && needSeparator) {
                needSeparator = false;
            } else if (c == ']' && (needSeparator || sectionNumbers == 0)) {
                pos = p + 1;
                return END;
            } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                pos = p;
                throw unexpected(c);
            }
            p++;
        }
        long v = 0;
        int digits = 0;
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
            byte c = b[p];
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
            p++;
            if (++digits > 18) {
                pos = p;
                throw corrupt("a number too large in " + section);
            }
        }
        pos = p;
        needSeparator = true;
        sectionNumbers++;
        return v;
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

    /** A growable list of longs, for the rare snapshot whose arrays precede its header. */
    private static final class LongList {
        private long[] values = new long[1024];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long get(int i) {
            return values[i];
        }

        int size() {
            return size;
        }
    }
}
