package dev.leakhunt.snapshot;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code snapshot} object at the head of a heap snapshot: field layouts, type names and counts. Every offset
 * the reader uses is resolved here by name, because producers differ (Node 20 writes 7 node fields, newer V8 6, and
 * {@code node_types} may be longer than {@code node_fields}).
 */
public final class SnapshotMeta {
    private final List<String> nodeFields;
    private final List<String> nodeTypes;
    private final List<String> edgeFields;
    private final List<String> edgeTypes;
    private final long nodeCount;
    private final long edgeCount;
    private final long rootIndex;
    private final long extraNativeBytes;
    private List<String> locationFields = List.of();
    private List<String> traceFunctionInfoFields = List.of();
    private List<String> traceNodeFields = List.of();
    private List<String> sampleFields = List.of();
    private long traceFunctionCount;

    SnapshotMeta(List<String> nodeFields, List<String> nodeTypes, List<String> edgeFields, List<String> edgeTypes,
                 long nodeCount, long edgeCount, long rootIndex, long extraNativeBytes) {
        this.nodeFields = List.copyOf(nodeFields);
        this.nodeTypes = List.copyOf(nodeTypes);
        this.edgeFields = List.copyOf(edgeFields);
        this.edgeTypes = List.copyOf(edgeTypes);
        this.nodeCount = nodeCount;
        this.edgeCount = edgeCount;
        this.rootIndex = rootIndex;
        this.extraNativeBytes = extraNativeBytes;
    }

    /** Parses the JSON text of the {@code snapshot} value; {@code what} names the file in error messages. */
    static SnapshotMeta parse(byte[] json, String what) throws SnapshotFormatException {
        List<String> nodeFields = null;
        List<List<String>> nodeTypesByField = null;
        List<String> edgeFields = null;
        List<List<String>> edgeTypesByField = null;
        List<String> locationFields = List.of();
        List<String> traceFunctionInfoFields = List.of();
        List<String> traceNodeFields = List.of();
        List<String> sampleFields = List.of();
        long traceFunctionCount = 0;
        long nodeCount = -1;
        long edgeCount = -1;
        long rootIndex = 0;
        long extraNativeBytes = 0;
        try (JsonParser p = new JsonFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new SnapshotFormatException("not a heap snapshot: " + what + " (\"snapshot\" is not an object)");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken value = p.nextToken();
                switch (key) {
                    case "meta" -> {
                        if (value != JsonToken.START_OBJECT) {
                            throw new SnapshotFormatException("not a heap snapshot: " + what + " (\"snapshot.meta\" is not an object)");
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String field = p.currentName();
                            p.nextToken();
                            switch (field) {
                                case "node_fields" -> nodeFields = stringArray(p);
                                case "edge_fields" -> edgeFields = stringArray(p);
                                case "node_types" -> nodeTypesByField = typesByField(p);
                                case "edge_types" -> edgeTypesByField = typesByField(p);
                                case "location_fields" -> locationFields = stringArray(p);
                                case "trace_function_info_fields" -> traceFunctionInfoFields = stringArray(p);
                                case "trace_node_fields" -> traceNodeFields = stringArray(p);
                                case "sample_fields" -> sampleFields = stringArray(p);
                                default -> p.skipChildren();
                            }
                        }
                    }
                    case "node_count" -> nodeCount = count(p, key, what);
                    case "edge_count" -> edgeCount = count(p, key, what);
                    case "root_index" -> rootIndex = count(p, key, what);
                    case "extra_native_bytes" -> extraNativeBytes = count(p, key, what);
                    case "trace_function_count" -> traceFunctionCount = count(p, key, what);
                    default -> p.skipChildren();
                }
            }
        } catch (SnapshotFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (bad \"snapshot\" header: "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage())
                    + ")");
        }
        if (nodeFields == null || nodeTypesByField == null || edgeFields == null || edgeTypesByField == null) {
            throw new SnapshotFormatException("not a heap snapshot: " + what + " (no \"snapshot.meta\" with node and edge fields)");
        }
        // the type names are the element of node_types (edge_types) at the position of the field named "type"
        List<String> nodeTypes = typesOf(nodeTypesByField, nodeFields, "node", what);
        List<String> edgeTypes = typesOf(edgeTypesByField, edgeFields, "edge", what);
        if (nodeCount < 0 || edgeCount < 0) {
            throw new SnapshotFormatException("not a heap snapshot: " + what + " (no node_count or edge_count)");
        }
        SnapshotMeta meta = new SnapshotMeta(nodeFields, nodeTypes, edgeFields, edgeTypes, nodeCount, edgeCount,
                rootIndex, extraNativeBytes);
        meta.locationFields = List.copyOf(locationFields);
        meta.traceFunctionInfoFields = List.copyOf(traceFunctionInfoFields);
        meta.traceNodeFields = List.copyOf(traceNodeFields);
        meta.sampleFields = List.copyOf(sampleFields);
        meta.traceFunctionCount = traceFunctionCount;
        for (String f : new String[] {"type", "name", "id", "self_size", "edge_count"}) {
            if (meta.nodeField(f) < 0) {
                throw new SnapshotFormatException("not a heap snapshot: " + what + " (no node field \"" + f + "\")");
            }
        }
        for (String f : new String[] {"type", "name_or_index", "to_node"}) {
            if (meta.edgeField(f) < 0) {
                throw new SnapshotFormatException("not a heap snapshot: " + what + " (no edge field \"" + f + "\")");
            }
        }
        if (nodeCount > Integer.MAX_VALUE - 8 || edgeCount > Integer.MAX_VALUE - 8) {
            throw new SnapshotFormatException("snapshot too large: " + what + " (" + nodeCount + " nodes, "
                    + edgeCount + " edges; at most 2^31 of each are supported)");
        }
        if (nodeTypes.size() > 127 || edgeTypes.size() > 127) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (more than 127 node or edge types)");
        }
        int fields = nodeFields.size();
        if (rootIndex % fields != 0 || rootIndex / fields >= Math.max(nodeCount, 1)) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (root_index " + rootIndex
                    + " is not the field index of one of the " + nodeCount + " nodes)");
        }
        return meta;
    }

    /** A header count: a whole number from 0 to 2^63 − 1, or the header is corrupt. */
    private static long count(JsonParser p, String key, String what) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                || p.getLongValue() < 0) {
            throw new SnapshotFormatException("corrupt snapshot " + what + " (\"" + key + "\" is "
                    + (p.currentToken().isScalarValue() ? "'" + p.getText() + "'" : "not a number")
                    + ", not a whole number from 0 to 2^63 − 1)");
        }
        return p.getLongValue();
    }

    /** The type names: the element of the types array at the position of the field named "type". */
    private static List<String> typesOf(List<List<String>> byField, List<String> fields, String kind, String what)
            throws SnapshotFormatException {
        int at = fields.indexOf("type");
        List<String> types = at >= 0 && at < byField.size() ? byField.get(at) : null;
        if (at >= 0 && types == null) {
            throw new SnapshotFormatException("not a heap snapshot: " + what + " (" + kind + "_types has no list of "
                    + "type names at the position of the \"type\" field, " + at + ")");
        }
        return types == null ? List.of() : types;
    }

    private static List<String> stringArray(JsonParser p) throws IOException {
        List<String> out = new ArrayList<>();
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return out;
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                out.add(p.getText());
            } else {
                out.add("");
                p.skipChildren();
            }
        }
        return out;
    }

    /**
     * {@code node_types} is {@code [["hidden","array",…], "string", "number", …]}: one entry per field, a list of
     * names for an enumerated field (null for the others).
     */
    private static List<List<String>> typesByField(JsonParser p) throws IOException {
        List<List<String>> out = new ArrayList<>();
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return out;
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() == JsonToken.START_ARRAY) {
                out.add(stringArray(p));
            } else {
                out.add(null);
                p.skipChildren();
            }
        }
        return out;
    }

    /** The fields of a {@code locations} record ({@code object_index, script_id, line, column}); empty if none. */
    public List<String> locationFields() {
        return locationFields;
    }

    /** Whether {@code locations} can be read: its fields name the object, the script, the line and the column. */
    boolean hasLocations() {
        return locationFields.containsAll(List.of("object_index", "script_id", "line", "column"));
    }

    /** The fields of a {@code trace_function_infos} record; empty if none. */
    List<String> traceFunctionInfoFields() {
        return traceFunctionInfoFields;
    }

    /** The fields of a {@code trace_tree} node, the last being its children; empty if none. */
    List<String> traceNodeFields() {
        return traceNodeFields;
    }

    /** The fields of a {@code samples} record ({@code timestamp_us, last_assigned_id}); empty if none. */
    List<String> sampleFields() {
        return sampleFields;
    }

    /** How many functions {@code trace_function_infos} holds: more than 0 when allocations were tracked. */
    public long traceFunctionCount() {
        return traceFunctionCount;
    }

    /**
     * Whether the snapshot holds allocation stacks we can read: allocations were tracked, the nodes name their
     * trace node ({@code trace_node_id}), and the trace records have the fields V8 writes, the children last.
     */
    public boolean hasTraces() {
        return traceFunctionCount > 0 && nodeField("trace_node_id") >= 0
                && traceFunctionInfoFields.containsAll(List.of("name", "script_name", "line", "column"))
                && traceNodeFields.containsAll(List.of("id", "function_info_index", "children"))
                && traceNodeFields.indexOf("children") == traceNodeFields.size() - 1;
    }

    public int nodeFieldCount() {
        return nodeFields.size();
    }

    public int edgeFieldCount() {
        return edgeFields.size();
    }

    /** The offset of a node field by name, or -1. */
    public int nodeField(String name) {
        return nodeFields.indexOf(name);
    }

    /** The offset of an edge field by name, or -1. */
    public int edgeField(String name) {
        return edgeFields.indexOf(name);
    }

    public List<String> nodeFields() {
        return nodeFields;
    }

    public List<String> nodeTypes() {
        return nodeTypes;
    }

    public List<String> edgeTypes() {
        return edgeTypes;
    }

    /** The index of a node type by name, or -1 when this producer has no such type. */
    public int nodeType(String name) {
        return nodeTypes.indexOf(name);
    }

    public int edgeType(String name) {
        return edgeTypes.indexOf(name);
    }

    public long nodeCount() {
        return nodeCount;
    }

    public long edgeCount() {
        return edgeCount;
    }

    /** The root as a node ordinal; {@code root_index} in the file is a field index. */
    public int rootOrdinal() {
        return (int) (rootIndex / nodeFieldCount());
    }

    public long extraNativeBytes() {
        return extraNativeBytes;
    }
}
