package dev.leakhunt.snapshot;

import java.util.Arrays;

/**
 * Parses {@code trace_tree}, nested arrays of trace nodes ({@code [id, function_info_index, count, size,
 * [children…], id, …]}, fields by {@code meta.trace_node_fields}, children last), without recursion: a stack of
 * parents as deep as the deepest call stack. Ids must be unique and positive and functions must exist; anything
 * else is a corrupt file.
 */
final class TraceTreeParser {
    private final byte[] json;
    private final String what;
    private final int fields;               // numbers before the children
    private final int idAt;
    private final int functionAt;
    private final int functions;
    private int pos;
    private int[] id = new int[256];
    private int[] function = new int[256];
    private int[] parent = new int[256];
    private int size;
    private int maxId;

    private TraceTreeParser(byte[] json, SnapshotMeta meta, int functions, String what) {
        this.json = json;
        this.what = what;
        this.fields = meta.traceNodeFields().size() - 1;
        this.idAt = meta.traceNodeFields().indexOf("id");
        this.functionAt = meta.traceNodeFields().indexOf("function_info_index");
        this.functions = functions;
    }

    /** The tree in {@code json} (the text of the {@code trace_tree} value) with the functions already read. */
    static AllocationTraces parse(byte[] json, SnapshotMeta meta, TraceFunctionRecords f, String what)
            throws SnapshotFormatException {
        TraceTreeParser p = new TraceTreeParser(json, meta, f.size, what);
        p.parse();
        return p.traces(f);
    }

    private void parse() throws SnapshotFormatException {
        int[] parents = new int[64];
        int depth = 0;
        long[] record = new long[fields];
        int field = 0;
        int pending = -1;                   // a node whose children array comes next
        if (next() != '[') {
            throw corrupt("\"trace_tree\" is not an array");
        }
        parents[depth++] = -1;
        while (depth > 0) {
            int c = next();
            if (c == ',') {
                continue;
            }
            if (c == ']') {
                if (field != 0 || pending >= 0) {
                    throw corrupt("a trace node is cut short");
                }
                depth--;
            } else if (c == '[') {
                if (pending < 0) {
                    throw corrupt("an array where a trace node's number belongs");
                }
                if (depth == parents.length) {
                    parents = Arrays.copyOf(parents, depth * 2);
                }
                parents[depth++] = pending;
                pending = -1;
            } else if (c >= '0' && c <= '9') {
                if (pending >= 0) {
                    throw corrupt("a number where a trace node's children belong");
                }
                record[field++] = number(c);
                if (field == fields) {
                    field = 0;
                    pending = add(record, parents[depth - 1]);
                }
            } else {
                throw corrupt(c < 0 ? "\"trace_tree\" ends early" : "unexpected " + JsonScanner.describe(c)
                        + " in \"trace_tree\"");
            }
        }
        if (next() >= 0) {
            throw corrupt("text after the end of \"trace_tree\"");
        }
    }

    private int add(long[] r, int parentIndex) throws SnapshotFormatException {
        long nodeId = r[idAt];
        long f = r[functionAt];
        if (nodeId < 1 || nodeId > Integer.MAX_VALUE - 8) {
            throw corrupt("trace node id " + nodeId + " is out of range");
        }
        if (f >= functions) {
            throw corrupt("trace node " + nodeId + " names function " + f + ", but there are " + functions);
        }
        if (size == id.length) {
            int grown = size + (size >> 1);
            id = Arrays.copyOf(id, grown);
            function = Arrays.copyOf(function, grown);
            parent = Arrays.copyOf(parent, grown);
        }
        id[size] = (int) nodeId;
        function[size] = (int) f;
        parent[size] = parentIndex;
        maxId = Math.max(maxId, (int) nodeId);
        return size++;
    }

    private AllocationTraces traces(TraceFunctionRecords f) throws SnapshotFormatException {
        if ((long) maxId > 16L * size + (1 << 20)) {
            throw corrupt("trace node ids run up to " + maxId + " for " + size + " nodes");
        }
        int[] indexOfId = new int[maxId + 1];
        Arrays.fill(indexOfId, -1);
        for (int i = 0; i < size; i++) {
            if (indexOfId[id[i]] >= 0) {
                throw corrupt("a second trace node " + id[i]);
            }
            indexOfId[id[i]] = i;
        }
        return new AllocationTraces(f.name, f.script, f.line, f.column, f.size, function, parent, size, indexOfId);
    }

    private int next() {
        while (pos < json.length) {
            int c = json[pos++] & 0xFF;
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return c;
            }
        }
        return -1;
    }

    private long number(int first) throws SnapshotFormatException {
        long v = first - '0';
        while (pos < json.length && json[pos] >= '0' && json[pos] <= '9') {
            v = v * 10 + (json[pos++] - '0');
            if (v > Integer.MAX_VALUE) {
                throw corrupt("a number in \"trace_tree\" beyond 2^31");
            }
        }
        return v;
    }

    private SnapshotFormatException corrupt(String detail) {
        return new SnapshotFormatException("corrupt snapshot " + what + " (" + detail + ")");
    }
}
