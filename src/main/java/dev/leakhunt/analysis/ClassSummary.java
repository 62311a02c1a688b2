package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per class (see {@link Describer#classKey}): count, self size and retained size, as DevTools' Summary view. A
 * class's retained size counts an object only when no dominator above it is of the same class, so nested objects
 * of one class are not counted twice; that needs one walk over the dominator tree, done here iteratively.
 */
public final class ClassSummary {
    private final String[] names;
    private final long[] count;
    private final long[] self;
    private final long[] retained;

    private ClassSummary(String[] names, long[] count, long[] self, long[] retained) {
        this.names = names; // null for synthetic nodes (the root, (GC roots), …), which the summary leaves out
        this.count = count;
        this.self = self;
        this.retained = retained;
    }

    /** Computes the summary with the snapshot's edges parked on disk: it reads none, and it is a memory peak. */
    public static ClassSummary compute(Describer describer) {
        HeapSnapshot s = describer.graph().snapshot();
        try (HeapSnapshot.Parked edges = s.park("the class summary", HeapSnapshot.Part.EDGE_TARGETS)) {
            return computeWithoutEdges(describer);
        }
    }

    private static ClassSummary computeWithoutEdges(Describer describer) {
        HeapGraph graph = describer.graph();
        HeapSnapshot s = graph.snapshot();
        int n = s.nodeCount();
        int[] classOf = classIds(describer, s);
        int classes = 0;
        for (int c : classOf) {
            classes = Math.max(classes, c + 1);
        }
        String[] names = new String[classes];
        long[] count = new long[classes];
        long[] self = new long[classes];
        int syntheticType = s.meta().nodeType("synthetic");
        for (int v = 0; v < n; v++) {
            int c = classOf[v];
            if (count[c]++ == 0 || names[c] == null) {
                names[c] = s.nodeType(v) != syntheticType ? describer.classKey(v) : null;
            }
            self[c] += s.selfSize(v);
        }
        long[] retained = retainedByClass(graph, classOf, classes);
        return new ClassSummary(names, count, self, retained);
    }

    /** A dense class id per node; names are resolved once per distinct string, not once per node. */
    static int[] classIds(Describer describer, HeapSnapshot s) {
        int n = s.nodeCount();
        int[] byName = new int[s.strings().size()];
        Arrays.fill(byName, -1);
        int[] byType = new int[s.meta().nodeTypes().size()];
        Arrays.fill(byType, -1);
        Map<String, Integer> ids = new HashMap<>();
        int[] classOf = new int[n];
        for (int v = 0; v < n; v++) {
            int id;
            if (describer.classKeyIsName(v)) {
                id = byName[s.nodeNameIndex(v)];
                if (id < 0) {
                    id = ids.computeIfAbsent(describer.classKey(v), k -> ids.size());
                    byName[s.nodeNameIndex(v)] = id;
                }
            } else {
                id = byType[s.nodeType(v)];
                if (id < 0) {
                    id = ids.computeIfAbsent(describer.classKey(v), k -> ids.size());
                    byType[s.nodeType(v)] = id;
                }
            }
            classOf[v] = id;
        }
        return classOf;
    }

    /**
     * Walks the dominator tree keeping, per class, how many nodes of it are on the current path. Any dense
     * partition of the nodes serves as {@code classOf}, e.g. groups with one id for all nodes outside them.
     */
    static long[] retainedByClass(HeapGraph graph, int[] classOf, int classes) {
        int n = classOf.length;
        int root = graph.root();
        int[] firstChild = new int[n + 1];
        for (int v = 0; v < n; v++) {
            if (v != root) {
                firstChild[graph.dominator(v)]++;
            }
        }
        int total = 0;
        for (int i = 0; i < n; i++) {
            total += firstChild[i];
            firstChild[i] = total;
        }
        firstChild[n] = total;
        int[] children = new int[total];
        for (int v = 0; v < n; v++) {
            if (v != root) {
                children[--firstChild[graph.dominator(v)]] = v;
            }
        }
        long[] retained = new long[classes];
        int[] onPath = new int[classes];
        int[] stackNode = new int[64];
        int[] stackNext = new int[64];
        int sp = 0;
        stackNode[sp] = root;
        stackNext[sp++] = firstChild[root];
        enter(graph, root, classOf, onPath, retained);
        while (sp > 0) {
            int v = stackNode[sp - 1];
            int next = stackNext[sp - 1];
            if (next == firstChild[v + 1]) {
                onPath[classOf[v]]--;
                sp--;
                continue;
            }
            stackNext[sp - 1] = next + 1;
            int child = children[next];
            if (sp == stackNode.length) {
                stackNode = Arrays.copyOf(stackNode, sp * 2);
                stackNext = Arrays.copyOf(stackNext, sp * 2);
            }
            stackNode[sp] = child;
            stackNext[sp++] = firstChild[child];
            enter(graph, child, classOf, onPath, retained);
        }
        return retained;
    }

    private static void enter(HeapGraph graph, int v, int[] classOf, int[] onPath, long[] retained) {
        if (onPath[classOf[v]]++ == 0) {
            retained[classOf[v]] += graph.retainedSize(v);
        }
    }

    /** The {@code top} classes by retained size (ties by self size); {@code filter} keeps names containing it. */
    public List<ClassRow> top(int top, String filter) {
        List<ClassRow> rows = new ArrayList<>();
        for (int c = 0; c < names.length; c++) {
            if (names[c] != null && (filter == null || names[c].toLowerCase().contains(filter.toLowerCase()))) {
                rows.add(new ClassRow(names[c], count[c], self[c], retained[c]));
            }
        }
        rows.sort(Comparator.comparingLong(ClassRow::retainedBytes).reversed()
                .thenComparing(Comparator.comparingLong(ClassRow::selfBytes).reversed()));
        return rows.subList(0, Math.min(top, rows.size()));
    }

    /** All class names, for completion. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        for (String name : names) {
            if (name != null) {
                out.add(name);
            }
        }
        return out;
    }
}
