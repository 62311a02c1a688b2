package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.Locations;
import dev.leakhunt.snapshot.StringTable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
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

    /**
     * A string node's text, cut to about {@code maxBytes}: a concatenated string is joined from its parts (the
     * {@code first} and {@code second} edges, left to right, a bounded number of them).
     */
    public String stringText(int node, int maxBytes) {
        if (s.nodeType(node) != consStringType) {
            return strings.preview(s.nodeNameIndex(node), maxBytes);
        }
        StringBuilder sb = new StringBuilder();
        int[] stack = new int[64];
        int sp = 0;
        stack[sp++] = node;
        for (int visited = 0; sp > 0 && sb.length() <= maxBytes && visited < 256; visited++) {
            int x = stack[--sp];
            if (s.nodeType(x) != consStringType) {
                sb.append(strings.preview(s.nodeNameIndex(x), maxBytes));
                continue;
            }
            int first = -1;
            int second = -1;
            for (int e = s.firstEdge(x), end = s.endEdge(x); e < end; e++) {
                if (strings.equalsAscii(s.edgeNameOrIndex(e), "first")) {
                    first = s.edgeTo(e);
                } else if (strings.equalsAscii(s.edgeNameOrIndex(e), "second")) {
                    second = s.edgeTo(e);
                }
            }
            if (second >= 0 && sp < stack.length) {
                stack[sp++] = second;
            }
            if (first >= 0 && sp < stack.length) {
                stack[sp++] = first;
            }
        }
        return sb.length() > maxBytes ? sb.substring(0, maxBytes) + "…" : sb.toString();
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

    /** The edge label with element and hidden indexes and collection keys left out, for grouping. */
    public String edgeNameForSignature(int edge) {
        return switch (signatureEdgeKey(edge)) {
            case ELEMENT_KEY -> "[]";
            case HIDDEN_KEY -> "(hidden)";
            case ENTRY_KEY -> "[key]";
            default -> strings.get(s.edgeNameOrIndex(edge));
        };
    }

    /**
     * What a grouping signature keeps of an edge: {@link #ELEMENT_KEY}, {@link #HIDDEN_KEY}, {@link #ENTRY_KEY}
     * for one entry of a keyed collection, else the string index of the edge's name (never negative).
     */
    public int signatureEdgeKey(int edge) {
        int t = s.edgeType(edge);
        if (t == elementEdge) {
            return ELEMENT_KEY;
        }
        if (t == hiddenEdge) {
            return HIDDEN_KEY;
        }
        return isKeyedEntry(edge) ? ENTRY_KEY : s.edgeNameOrIndex(edge);
    }

    /** Signature keys of edges whose names differ per member (see {@link #signatureEdgeKey}). */
    public static final int ELEMENT_KEY = -1;
    public static final int HIDDEN_KEY = -2;
    public static final int ENTRY_KEY = -3;

    /**
     * Whether an edge is one entry of a keyed collection, whose name is a key or a slot that differs from member to
     * member. Decided from the graph, not from class names: an {@code internal} edge whose name starts with a
     * slot number (the entries of a Map's, Set's or WeakMap's hash table: {@code "175"}, and the WeakMap's
     * ephemeron edges {@code "33 / part of key (Object @…) -> value (…) pair in WeakMap (table @…)"}), or a
     * {@code property} edge of an object used as a dictionary: one with at least {@value #DICTIONARY_ENTRIES}
     * properties whose values are of this edge's target's class ({@code cache[uuid] = buf}).
     */
    public boolean isKeyedEntry(int edge) {
        int t = s.edgeType(edge);
        if (t == internalEdge) {
            return strings.startsWithDigit(s.edgeNameOrIndex(edge));
        }
        if (t != propertyEdge) {
            return false;
        }
        int owner = s.edgeOwner(edge);
        long[] classes = dictionaryClasses.computeIfAbsent(owner, this::dictionaryClasses);
        return classes.length > 0 && Arrays.binarySearch(classes, valueClass(s.edgeTo(edge))) >= 0;
    }

    /** How many properties of one value class make an object a dictionary (see {@link #isKeyedEntry}). */
    public static final int DICTIONARY_ENTRIES = 8;

    /** Per object looked at: the value classes of which it has a dictionary's worth of properties, sorted. */
    private final Map<Integer, long[]> dictionaryClasses = new HashMap<>();

    private long[] dictionaryClasses(int owner) {
        int first = s.firstEdge(owner);
        int end = s.endEdge(owner);
        long[] found = new long[Math.max(0, end - first)];
        int count = 0;
        for (int e = first; e < end; e++) {
            if (s.edgeType(e) == propertyEdge) {
                found[count++] = valueClass(s.edgeTo(e));
            }
        }
        if (count < DICTIONARY_ENTRIES) {
            return new long[0];
        }
        Arrays.sort(found, 0, count);
        int kept = 0;
        for (int i = 0; i < count; ) {
            int j = i;
            while (j < count && found[j] == found[i]) {
                j++;
            }
            if (j - i >= DICTIONARY_ENTRIES) {
                found[kept++] = found[i];
            }
            i = j;
        }
        return Arrays.copyOf(found, kept);
    }

    /** A key equal for two nodes of one class: type and name; strings are one class whatever their text. */
    public long valueClass(int node) {
        return isString(node) ? -1L : (long) s.nodeType(node) << 32 | (s.nodeNameIndex(node) & 0xFFFFFFFFL);
    }

    /** Ranks edges for retainer chains: property, context and element before internal and hidden. */
    public int edgeRank(int edge) {
        return dev.leakhunt.graph.NearestRetainers.rank(s, edge);
    }

    /**
     * A hint of a node's contents where its name alone says little: a minified or generic class name gets a few
     * property names and short string values ({@code {name: "dbfile_1592184537", mode, …}}), a
     * {@code system / Context} a few of its variable names, any other object its short name-like string properties
     * ({@link #nameProperties}). Null where no hint is needed.
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
        if (t == objectType && !name.startsWith("system / ")) {
            return nameProperties(node);
        }
        return null;
    }

    /** Property names whose string values tell objects of a class apart, most telling first. */
    private static final String[] NAME_PROPERTIES = {"name", "id", "key", "path", "filename", "file", "url", "host",
        "label", "title", "type", "kind"};
    private static final int NAME_HINT_ITEMS = 2;

    /**
     * A readable class's hint: up to two of its short string properties, names like {@code name} and {@code id}
     * first ({@code FSNode {name: "dbfile_1592184537"}}); null when it has none.
     */
    private String nameProperties(int node) {
        int[] found = new int[NAME_HINT_ITEMS];
        int count = 0;
        for (int pass = 0; pass < 2 && count < NAME_HINT_ITEMS; pass++) {
            for (int e = s.firstEdge(node), end = s.endEdge(node); e < end && count < NAME_HINT_ITEMS; e++) {
                if (s.edgeType(e) != propertyEdge || s.nodeType(s.edgeTo(e)) != stringType) {
                    continue;
                }
                int nameIndex = s.edgeNameOrIndex(e);
                if (strings.get(nameIndex).startsWith("<symbol")) {
                    continue; // Symbol.toStringTag and the like: the class's, not the object's
                }
                boolean preferred = false;
                for (String p : NAME_PROPERTIES) {
                    preferred |= strings.equalsAscii(nameIndex, p);
                }
                if (preferred == (pass == 0)) {
                    found[count++] = e;
                }
            }
        }
        if (count == 0) {
            return null;
        }
        StringBuilder sb = new StringBuilder("{");
        for (int k = 0; k < count; k++) {
            sb.append(k > 0 ? ", " : "").append(strings.get(s.edgeNameOrIndex(found[k]))).append(": \"")
                    .append(escape(strings.preview(s.nodeNameIndex(s.edgeTo(found[k])), HINT_VALUE_BYTES))).append('"');
        }
        return sb.append('}').toString();
    }

    /**
     * A class as a sentence names many of its objects: the class key, with a few property names where the name
     * alone says little ({@code Jb {node, flags, …}}: no values, which differ from object to object).
     */
    public String className(int node) {
        int t = s.nodeType(node);
        String name = s.nodeName(node);
        if (t == objectType && MINIFIED.matcher(name).matches() && !isBuiltin(name)) {
            String properties = listEdges(node, propertyEdge, false);
            return properties == null ? name : name + " " + properties;
        }
        return classKey(node);
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
                s.selfSize(node), graph.retainedSize(node), location(node));
    }

    // ---- where in the code ---------------------------------------------------------------------------------

    private Map<Integer, String> scriptNames;
    private static final Path WORKING_DIRECTORY = Path.of("").toAbsolutePath();

    /** Where {@code node} comes from in the code, or null when the snapshot does not say (or not by a script name). */
    public SourceLocation location(int node) {
        Locations locations = s.locations();
        int i = locations.find(node);
        if (i < 0 && s.nodeType(node) == objectType) {
            // an object: its constructor's, found as its prototype's constructor (a class, a function)
            int prototype = edge(node, propertyEdge, "__proto__");
            int constructor = prototype < 0 ? -1 : edge(prototype, propertyEdge, "constructor");
            if (constructor >= 0 && s.nodeType(constructor) == closureType) {
                i = locations.find(constructor);
            }
        }
        if (i < 0 && isContext(node)) {
            i = contextLocation(node);
        }
        if (i < 0) {
            return null;
        }
        String script = scriptName(locations.script(i));
        if (script == null || script.isEmpty()) {
            return null;
        }
        int line = locations.line(i) + 1;
        int column = locations.column(i) + 1;
        return new SourceLocation(script, line, column, shown(script) + ":" + line + ":" + column);
    }

    private boolean isContext(int node) {
        int t = s.nodeType(node);
        return (t == objectType || t == hiddenType) && s.nodeName(node).equals("system / Context");
    }

    /**
     * The location of the function that created a context, as an index into the locations, or -1. A context points
     * to its scope info ({@code scope_info}), which is the function info's ({@code name_or_scope_info}) of the
     * function whose call created it, and a closure of that function points to the function info ({@code shared}):
     * the scope info's holder and then that holder's (the nearest retainer, else the dominator) lead back to the
     * closure, which is located. When no closure of the creator is alive (a function called once and gone), a
     * closure created in the context (its holder, by its {@code context} edge) is: its location lies within the
     * creator. No map of every closure: a report shows a few dozen contexts, and a big heap has a million closures.
     */
    private int contextLocation(int context) {
        Locations locations = s.locations();
        int scope = internal(context, "scope_info");
        if (scope >= 0) {
            for (int info : holders(scope)) {
                if (info < 0 || (internal(info, "name_or_scope_info") != scope && internal(info, "scope_info") != scope)) {
                    continue;
                }
                for (int closure : holders(info)) {
                    if (closure >= 0 && s.nodeType(closure) == closureType && internal(closure, "shared") == info
                            && locations.find(closure) >= 0) {
                        return locations.find(closure);
                    }
                }
            }
        }
        for (int closure : holders(context)) {
            if (closure >= 0 && s.nodeType(closure) == closureType && internal(closure, "context") == context
                    && locations.find(closure) >= 0) {
                return locations.find(closure);
            }
        }
        return -1;
    }

    /** The node's nearest retainer and its dominator (either may be -1), the two holders the graph keeps. */
    private int[] holders(int node) {
        int dominator = graph.dominator(node);
        return new int[] {graph.nearestHolder(node), dominator == node ? -1 : dominator};
    }


    /**
     * The name of script {@code id}. A snapshot has no table of scripts, but each located closure's function info
     * ({@code shared}) points to its script ({@code script_or_debug_info}, or {@code script}), a node named by the
     * script's name: one pass over the located closures maps every id, once.
     */
    private String scriptName(int id) {
        if (scriptNames == null) {
            Map<Integer, String> names = new HashMap<>();
            Locations locations = s.locations();
            for (int i = 0; i < locations.size(); i++) {
                if (names.containsKey(locations.script(i)) || s.nodeType(locations.node(i)) != closureType) {
                    continue;
                }
                int shared = internal(locations.node(i), "shared");
                int script = shared < 0 ? -1 : internal(shared, "script_or_debug_info");
                if (script < 0 && shared >= 0) {
                    script = internal(shared, "script");
                }
                if (script >= 0 && s.nodeType(script) != stringType) {
                    names.put(locations.script(i), s.nodeName(script));
                }
            }
            scriptNames = names;
        }
        return scriptNames.get(id);
    }

    /** The target of {@code node}'s internal edge {@code name}, or -1. */
    int internal(int node, String name) {
        return edge(node, internalEdge, name);
    }

    /** The target of {@code node}'s edge of type {@code type} named {@code name}, or -1. */
    private int edge(int node, int type, String name) {
        for (int e = s.firstEdge(node), end = s.endEdge(node); e < end; e++) {
            if (s.edgeType(e) == type && strings.equalsAscii(s.edgeNameOrIndex(e), name)) {
                return s.edgeTo(e);
            }
        }
        return -1;
    }

    /**
     * A script's name as a person reads it: a package's file as {@code <package>/<path in it>} (the innermost
     * {@code node_modules}), a file under the working directory relative to it, anything else as V8 has it.
     */
    static String shown(String script) {
        String path = script.startsWith("file://") ? script.substring("file://".length()) : script;
        int modules = path.lastIndexOf("/node_modules/");
        if (modules >= 0) {
            return path.substring(modules + "/node_modules/".length());
        }
        if (path.startsWith("/")) {
            try {
                Path p = Path.of(path);
                if (p.startsWith(WORKING_DIRECTORY)) {
                    return WORKING_DIRECTORY.relativize(p).toString();
                }
            } catch (RuntimeException e) {
                // not a path after all
            }
        }
        return path;
    }
}
