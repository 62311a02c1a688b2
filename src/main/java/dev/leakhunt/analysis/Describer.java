package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.StringTable;
import java.util.regex.Pattern;

/**
 * Names for nodes and edges as a person reads them: class keys as DevTools' Summary groups them, display names
 * for chains, edge labels, and the hints shown beside minified class names and contexts.
 */
public final class Describer {
    private static final Pattern MINIFIED = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]{0,2}");
    private static final int HINT_ITEMS = 3;
    private static final int HINT_VALUE_BYTES = 24;

    private final HeapGraph graph;
    private final HeapSnapshot s;
    private final StringTable strings;
    private final int objectType;
    private final int nativeType;
    private final int closureType;
    private final int arrayType;
    private final int hiddenType;
    private final int shapeType;
    private final int codeType;
    private final int syntheticType;
    private final int stringType;
    private final int consStringType;
    private final int slicedStringType;
    private final int elementEdge;
    private final int hiddenEdge;
    private final int propertyEdge;
    private final int contextEdge;
    private final int internalEdge;

    public Describer(HeapGraph graph) {
        this.graph = graph;
        this.s = graph.snapshot();
        this.strings = s.strings();
        var m = s.meta();
        objectType = m.nodeType("object");
        nativeType = m.nodeType("native");
        closureType = m.nodeType("closure");
        arrayType = m.nodeType("array");
        hiddenType = m.nodeType("hidden");
        shapeType = m.nodeType("object shape");
        codeType = m.nodeType("code");
        syntheticType = m.nodeType("synthetic");
        stringType = m.nodeType("string");
        consStringType = m.nodeType("concatenated string");
        slicedStringType = m.nodeType("sliced string");
        elementEdge = m.edgeType("element");
        hiddenEdge = m.edgeType("hidden");
        propertyEdge = m.edgeType("property");
        contextEdge = m.edgeType("context");
        internalEdge = m.edgeType("internal");
    }

    public HeapGraph graph() {
        return graph;
    }

    public boolean isString(int node) {
        int t = s.nodeType(node);
        return t == stringType || t == consStringType || t == slicedStringType;
    }

    /** The Summary-view class: constructor name for objects and natives, a parenthesised kind for the rest. */
    public String classKey(int node) {
        int t = s.nodeType(node);
        if (t == objectType || t == nativeType || t == syntheticType) {
            return s.nodeName(node);
        }
        if (isString(node)) {
            return "(string)";
        }
        if (t == closureType) {
            return "(closure)";
        }
        if (t == arrayType) {
            return "(array)";
        }
        if (t == hiddenType || t == shapeType) {
            return "(system)";
        }
        if (t == codeType) {
            return "(compiled code)";
        }
        return "(" + s.nodeTypeName(node) + ")";
    }

    /** Whether {@link #classKey} is the node's own name (so it is a string index worth caching by). */
    public boolean classKeyIsName(int node) {
        int t = s.nodeType(node);
        return t == objectType || t == nativeType || t == syntheticType;
    }

    /** The name shown in a chain step: a function as {@code name()}, a string as its quoted start. */
    public String displayName(int node) {
        int t = s.nodeType(node);
        if (isString(node)) {
            return "\"" + escape(strings.preview(s.nodeNameIndex(node), HINT_VALUE_BYTES)) + "\"";
        }
        String name = s.nodeName(node).strip(); // the global object is "global / " over the inspector
        if (t == closureType) {
            return (name.isEmpty() ? "(anonymous)" : name) + "()";
        }
        if (name.isEmpty()) {
            return "(" + s.nodeTypeName(node) + ")";
        }
        return name;
    }

    /** The label of an edge: {@code [3]} for elements, {@code (hidden 3)}, else its name. */
    public String edgeName(int edge) {
        int t = s.edgeType(edge);
        if (t == elementEdge) {
            return "[" + Integer.toUnsignedString(s.edgeNameOrIndex(edge)) + "]";
        }
        if (t == hiddenEdge) {
            return "(hidden " + Integer.toUnsignedString(s.edgeNameOrIndex(edge)) + ")";
        }
        return strings.get(s.edgeNameOrIndex(edge));
    }

    /** The edge label with element and hidden indexes left out, for grouping. */
    public String edgeNameForSignature(int edge) {
        int t = s.edgeType(edge);
        if (t == elementEdge) {
            return "[]";
        }
        if (t == hiddenEdge) {
            return "(hidden)";
        }
        return strings.get(s.edgeNameOrIndex(edge));
    }

    /** Ranks edges for retainer chains: property, context and element before internal and hidden. */
    public int edgeRank(int edge) {
        return dev.leakhunt.graph.NearestRetainers.rank(s, edge);
    }

    /**
     * A hint of a node's contents where its name alone says little: a minified or generic class name gets a few
     * property names and short string values ({@code {name: "dbfile_1592184537", mode, …}}), a
     * {@code system / Context} a few of its variable names. Null where no hint is needed.
     */
    public String hint(int node) {
        int t = s.nodeType(node);
        String name = s.nodeName(node);
        if ((t == hiddenType || t == objectType) && name.equals("system / Context")) {
            return listEdges(node, contextEdge, false);
        }
        if (t == objectType && (name.equals("Object") || MINIFIED.matcher(name).matches() && !isBuiltin(name))) {
            return listEdges(node, propertyEdge, true);
        }
        return null;
    }

    private static boolean isBuiltin(String name) {
        return switch (name) {
            case "Map", "Set", "URL", "Buffer" -> true;
            default -> false;
        };
    }

    /**
     * Up to {@link #HINT_ITEMS} edge names of one type, most telling first: those holding short strings (shown with
     * their values), then objects, then anything else (functions, oddballs).
     */
    private String listEdges(int node, int edgeType, boolean withValues) {
        StringBuilder sb = new StringBuilder("{");
        int shown = 0;
        int listed = 0;
        for (int pass = 0; pass < 3; pass++) {
            for (int e = s.firstEdge(node), end = s.endEdge(node); e < end; e++) {
                if (s.edgeType(e) != edgeType) {
                    continue;
                }
                String edgeName = strings.get(s.edgeNameOrIndex(e));
                if (edgeName.equals("__proto__") || edgeName.equals("constructor")) {
                    continue;
                }
                int to = s.edgeTo(e);
                int kind = s.nodeType(to) == stringType ? 0 : s.nodeType(to) == objectType ? 1 : 2;
                if (kind != pass) {
                    continue;
                }
                listed++;
                if (shown == HINT_ITEMS) {
                    continue;
                }
                sb.append(shown > 0 ? ", " : "").append(edgeName);
                if (withValues && kind == 0) {
                    sb.append(": \"").append(escape(strings.preview(s.nodeNameIndex(to), HINT_VALUE_BYTES))).append('"');
                }
                shown++;
            }
        }
        if (shown == 0) {
            return null;
        }
        return sb.append(listed > shown ? ", …}" : "}").toString();
    }

    /** A string as it appears between double quotes in a report: quotes, backslashes and controls escaped. */
    public static String escape(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c < 0x20 ? '?' : c);
            }
        }
        return sb.toString();
    }

    /** A node as the report shows it. */
    public NodeRef ref(int node) {
        return new NodeRef(node, s.nodeIdLong(node), s.nodeTypeName(node), displayName(node), hint(node),
                s.selfSize(node), graph.retainedSize(node));
    }
}
