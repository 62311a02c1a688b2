package dev.leakhunt.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes real {@code .heapsnapshot} JSON from a small graph described in code:
 * <pre>
 *   SnapshotBuilder b = new SnapshotBuilder();
 *   int a = b.node("object", "A", 10);
 *   b.edge(b.root(), "property", "a", a);
 * </pre>
 * Node 0 is the synthetic root. By default the layout is Node 20's (7 node fields); {@link #sixFields()} gives
 * newer V8's. Ids default to odd numbers in creation order.
 */
public final class SnapshotBuilder {
    public static final List<String> NODE_TYPES = List.of("hidden", "array", "string", "object", "code", "closure",
            "regexp", "number", "native", "synthetic", "concatenated string", "sliced string", "symbol", "bigint",
            "object shape");
    public static final List<String> EDGE_TYPES = List.of("context", "element", "property", "internal", "hidden",
            "shortcut", "weak");

    private record Node(String type, String name, long id, long self) { }

    private record Edge(String type, Object nameOrIndex, int to) { }

    private final List<Node> nodes = new ArrayList<>();
    private final List<List<Edge>> edges = new ArrayList<>();
    private final Map<String, Integer> strings = new LinkedHashMap<>();
    private boolean sixFields;
    private boolean headerLast;

    public SnapshotBuilder() {
        node("synthetic", "", 0);
    }

    public int root() {
        return 0;
    }

    /** Adds a node; returns its ordinal. */
    public int node(String type, String name, long selfSize) {
        return node(type, name, selfSize, 2L * nodes.size() + 1);
    }

    public int node(String type, String name, long selfSize, long id) {
        if (!NODE_TYPES.contains(type)) {
            throw new IllegalArgumentException(type);
        }
        nodes.add(new Node(type, name, id, selfSize));
        edges.add(new ArrayList<>());
        return nodes.size() - 1;
    }

    /** An edge; {@code nameOrIndex} is a String name, or an Integer index for element and hidden edges. */
    public SnapshotBuilder edge(int from, String type, Object nameOrIndex, int to) {
        if (!EDGE_TYPES.contains(type)) {
            throw new IllegalArgumentException(type);
        }
        edges.get(from).add(new Edge(type, nameOrIndex, to));
        return this;
    }

    /** A property edge. */
    public SnapshotBuilder prop(int from, String name, int to) {
        return edge(from, "property", name, to);
    }

    /** Newer V8's layout: no trace_node_id (6 node fields). */
    public SnapshotBuilder sixFields() {
        sixFields = true;
        return this;
    }

    /** Writes the {@code snapshot} header after the arrays, which V8 never does but the format allows. */
    public SnapshotBuilder headerLast() {
        headerLast = true;
        return this;
    }

    private final List<long[]> locations = new java.util.ArrayList<>();

    /** A {@code locations} record: node {@code node} comes from script {@code script}, 0-based line and column. */
    public SnapshotBuilder location(int node, int script, int line, int column) {
        locations.add(new long[] {node, script, line, column});
        return this;
    }

    private final List<Object[]> traceFunctions = new ArrayList<>();  // name, script, line, column
    private final List<int[]> traceNodes = new ArrayList<>();          // id, function, parent id (0: the root)
    private final Map<Integer, Integer> traceOf = new LinkedHashMap<>();
    private String rawTraceTree;
    private long trackedFrom = -1;

    /** A {@code samples} record saying V8 had assigned ids up to {@code lastId} when tracking began. */
    public SnapshotBuilder trackedFrom(long lastId) {
        trackedFrom = lastId;
        return this;
    }

    /** A function of the allocation traces (1-based line and column, as V8 writes them); returns its index. */
    public int traceFunction(String name, String script, int line, int column) {
        traceFunctions.add(new Object[] {name, script, line, column});
        return traceFunctions.size() - 1;
    }

    /** A trace tree node {@code id} calling function {@code function}, below {@code parentId} (0: the top). */
    public SnapshotBuilder traceNode(int id, int function, int parentId) {
        traceNodes.add(new int[] {id, function, parentId});
        return this;
    }

    /** Node {@code node} was allocated at trace node {@code traceId}. */
    public SnapshotBuilder allocatedAt(int node, int traceId) {
        traceOf.put(node, traceId);
        return this;
    }

    /** The {@code trace_tree} value as given, for malformed trees. */
    public SnapshotBuilder rawTraceTree(String json) {
        rawTraceTree = json;
        return this;
    }

    private String traceTreeJson(int parentId) {
        StringBuilder sb = new StringBuilder("[");
        for (int[] n : traceNodes) {
            if (n[2] == parentId) {
                sb.append(sb.length() == 1 ? "" : ",").append(n[0]).append(',').append(n[1]).append(",1,16,")
                        .append(traceTreeJson(n[0]));
            }
        }
        return sb.append(']').toString();
    }

    private int string(String s) {
        return strings.computeIfAbsent(s, k -> strings.size());
    }

    public String toJson() {
        int fields = sixFields ? 6 : 7;
        StringBuilder nodesJson = new StringBuilder();
        int edgeCount = 0;
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            nodesJson.append(i == 0 ? "" : ",\n").append(NODE_TYPES.indexOf(n.type)).append(',')
                    .append(string(n.name)).append(',').append(n.id).append(',').append(n.self).append(',')
                    .append(edges.get(i).size()).append(sixFields ? ",0" : "," + traceOf.getOrDefault(i, 0) + ",0");
            edgeCount += edges.get(i).size();
        }
        StringBuilder edgesJson = new StringBuilder();
        boolean first = true;
        for (List<Edge> list : edges) {
            for (Edge e : list) {
                Object name = e.nameOrIndex instanceof String s ? string(s) : e.nameOrIndex;
                edgesJson.append(first ? "" : ",\n").append(EDGE_TYPES.indexOf(e.type)).append(',').append(name)
                        .append(',').append((long) e.to * fields);
                first = false;
            }
        }
        StringBuilder functionsJson = new StringBuilder();
        for (Object[] f : traceFunctions) {
            functionsJson.append(functionsJson.length() == 0 ? "" : ",").append(traceFunctions.indexOf(f) + 1).append(',')
                    .append(string((String) f[0])).append(',').append(string((String) f[1])).append(",0,")
                    .append(f[2]).append(',').append(f[3]);
        }
        String treeJson = rawTraceTree != null ? rawTraceTree : traceNodes.isEmpty() ? "[]" : traceTreeJson(0);
        StringBuilder stringsJson = new StringBuilder();
        first = true;
        for (String s : strings.keySet()) {
            stringsJson.append(first ? "" : ",\n").append(quote(s));
            first = false;
        }
        String nodeFields = sixFields
                ? "\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"detachedness\""
                : "\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"trace_node_id\",\"detachedness\"";
        String header = "\"snapshot\":{\"meta\":{\"node_fields\":[" + nodeFields + "],\"node_types\":[["
                + joinQuoted(NODE_TYPES) + "],\"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],"
                + "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],\"edge_types\":[[" + joinQuoted(EDGE_TYPES)
                + "],\"string_or_number\",\"node\"],\"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"],"
                + "\"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\",\"script_id\",\"line\",\"column\"],"
                + "\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\"size\",\"children\"],"
                + "\"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"]},"
                + "\"node_count\":" + nodes.size() + ",\"edge_count\":" + edgeCount + ",\"trace_function_count\":"
                + traceFunctions.size() + "}";
        StringBuilder locationsJson = new StringBuilder();
        for (long[] l : locations) {
            locationsJson.append(locationsJson.length() == 0 ? "" : ",").append(l[0] * fields).append(',').append(l[1])
                    .append(',').append(l[2]).append(',').append(l[3]);
        }
        String arrays = "\"nodes\":[" + nodesJson + "],\n\"edges\":[" + edgesJson + "],\n\"trace_function_infos\":[" + functionsJson
                + "],\"trace_tree\":" + treeJson + ",\"samples\":[" + (trackedFrom < 0 ? "" : "0," + trackedFrom + ",900," + (trackedFrom + 50))
                + "],\"locations\":[" + locationsJson + "],\n\"strings\":["
                + stringsJson + "]";
        return headerLast ? "{" + arrays + ",\n" + header + "}\n" : "{" + header + ",\n" + arrays + "}\n";
    }

    public Path write(Path file) throws IOException {
        Files.writeString(file, toJson(), StandardCharsets.US_ASCII);
        return file;
    }

    public Path writeGzip(Path file) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(toJson().getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }

    private static String joinQuoted(List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            sb.append(sb.length() == 0 ? "" : ",").append('"').append(n).append('"');
        }
        return sb.toString();
    }

    /** JSON-quotes as V8 does: ASCII only, everything else as backslash-u escapes. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
