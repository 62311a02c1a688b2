package dev.leakhunt.graph;

import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.Arrays;

/**
 * Immediate dominators by the Lengauer–Tarjan algorithm: T. Lengauer and R. E. Tarjan, "A fast algorithm for
 * finding dominators in a flowgraph", ACM TOPLAS 1(1), 1979 — the "simple" version with path compression,
 * O(E log N). The paper's names are kept: {@code vertex}, {@code parent}, {@code semi}, {@code ancestor},
 * {@code label}, {@code bucket}, {@code dom}. Vertices are numbered 1…count in DFS order; 0 means "none".
 *
 * <p>Both the DFS and {@code compress} are iterative with explicit stacks, since heap graphs are deep enough to
 * overflow the thread's stack. Nodes the DFS does not reach over retaining edges (held only by weak edges, or
 * garbage) hang under the root.
 */
final class Dominators {
    private Dominators() {
    }

    /**
     * The result: each node's immediate dominator as a node ordinal ({@link HeapGraph#NO_DOMINATOR} for the root),
     * and all nodes in an order where each comes after its dominator (DFS preorder, then the unreached nodes).
     */
    record Result(int[] dominator, int[] order) {
    }

    static Result compute(HeapSnapshot s, RetentionRule rule, int[] firstRetainer, int[] retainerNode) {
        int n = s.nodeCount();
        int root = s.rootOrdinal();
        int[] dfn = new int[n];             // node → DFS number, 0 if unreached
        int[] vertex = new int[n + 1];      // DFS number → node
        int[] parent = new int[n + 1];      // DFS number → DFS parent; reused for dom once w is processed
        int[] semi = new int[n + 1];
        int[] label = new int[n + 1];
        int[] ancestor = new int[n + 1];
        int[] bucketHead = new int[n + 1];  // bucket(w) as linked lists threaded through bucketNext
        int[] bucketNext = new int[n + 1];

        // Step 1: number the vertices in DFS preorder. semi and label serve as the stack (node, next edge) here,
        // before step 2 initialises them.
        int count = 0;
        int sp = 0;
        dfn[root] = ++count;
        vertex[count] = root;
        semi[sp] = root;
        label[sp++] = s.firstEdge(root);
        while (sp > 0) {
            int v = semi[sp - 1];
            int e = label[sp - 1];
            int end = s.endEdge(v);
            while (e < end && (dfn[s.edgeTo(e)] != 0 || !rule.retains(v, e))) {
                e++;
            }
            if (e == end) {
                sp--;
                continue;
            }
            label[sp - 1] = e + 1;
            int w = s.edgeTo(e);
            dfn[w] = ++count;
            vertex[count] = w;
            parent[count] = dfn[v];
            semi[sp] = w;
            label[sp++] = s.firstEdge(w);
        }
        for (int i = 1; i <= count; i++) {
            semi[i] = i;
            label[i] = i;
            ancestor[i] = 0;
        }

        // Steps 2 and 3: semidominators in reverse preorder; implicit immediate dominators from the buckets.
        int[] path = new int[64];
        for (int w = count; w >= 2; w--) {
            int node = vertex[w];
            for (int r = firstRetainer[node], end = firstRetainer[node + 1]; r < end; r++) {
                int v = dfn[retainerNode[r]];
                if (v == 0) {
                    continue; // a retainer the root does not reach cannot matter
                }
                int u = eval(v, ancestor, label, semi, path);
                if (semi[u] < semi[w]) {
                    semi[w] = semi[u];
                }
            }
            bucketNext[w] = bucketHead[semi[w]];
            bucketHead[semi[w]] = w;
            int p = parent[w];
            ancestor[w] = p; // link(parent(w), w)
            for (int v = bucketHead[p]; v != 0; v = bucketNext[v]) {
                int u = eval(v, ancestor, label, semi, path);
                parent[v] = semi[u] < semi[v] ? u : p; // parent[v] now holds dom(v)
            }
            bucketHead[p] = 0;
        }
        int[] dom = parent;

        // Step 4: explicit immediate dominators in preorder.
        dom[1] = 0;
        for (int w = 2; w <= count; w++) {
            if (dom[w] != semi[w]) {
                dom[w] = dom[dom[w]];
            }
        }

        int[] dominator = new int[n];
        Arrays.fill(dominator, root); // unreached nodes hang under the root
        for (int w = 2; w <= count; w++) {
            dominator[vertex[w]] = vertex[dom[w]];
        }
        dominator[root] = HeapGraph.NO_DOMINATOR;

        // vertex[1 … count] is a preorder of the DFS tree, in which a dominator precedes what it dominates
        int[] order = vertex;
        System.arraycopy(order, 1, order, 0, count);
        int tail = count;
        for (int v = 0; v < n; v++) {
            if (dfn[v] == 0) {
                order[tail++] = v;
            }
        }
        return new Result(dominator, Arrays.copyOf(order, n));
    }

    /**
     * eval(v): the vertex of minimum semidominator on the compressed ancestor path of v, compressing the path on
     * the way. The recursive compress of the paper, unrolled: collect the path, then apply it top-down.
     */
    private static int eval(int v, int[] ancestor, int[] label, int[] semi, int[] path) {
        if (ancestor[v] == 0) {
            return v;
        }
        if (ancestor[ancestor[v]] != 0) {
            int depth = 0;
            int x = v;
            while (ancestor[ancestor[x]] != 0) {
                if (depth == path.length) {
                    return evalLongPath(v, ancestor, label, semi);
                }
                path[depth++] = x;
                x = ancestor[x];
            }
            for (int i = depth - 1; i >= 0; i--) {
                int y = path[i];
                int a = ancestor[y];
                if (semi[label[a]] < semi[label[y]]) {
                    label[y] = label[a];
                }
                ancestor[y] = ancestor[a];
            }
        }
        return label[v];
    }

    /** eval for an ancestor path longer than the shared buffer: the same, with a buffer of its own. */
    private static int evalLongPath(int v, int[] ancestor, int[] label, int[] semi) {
        int length = 0;
        for (int x = v; ancestor[ancestor[x]] != 0; x = ancestor[x]) {
            length++;
        }
        return eval(v, ancestor, label, semi, new int[length]);
    }
}
