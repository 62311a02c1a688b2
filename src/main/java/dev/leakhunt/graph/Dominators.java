package dev.leakhunt.graph;

import dev.leakhunt.snapshot.HeapSnapshot;

/**
 * Immediate dominators by Semi-NCA: the semidominators of Lengauer and Tarjan ("A fast algorithm for finding
 * dominators in a flowgraph", ACM TOPLAS 1(1), 1979; the simple eval/link with path compression), then each
 * immediate dominator as the nearest common ancestor of its DFS parent and its semidominator, in preorder
 * (L. Georgiadis, R. E. Tarjan, R. F. Werneck, "Finding dominators in practice", JGAA 10(1), 2006). Semi-NCA
 * gives the same answer as Lengauer–Tarjan's step 3 and 4 without its buckets: two arrays of N fewer, and in
 * that paper's measurements faster on real graphs.
 *
 * <p>The paper's names are kept: {@code vertex}, {@code parent}, {@code semi}, {@code ancestor}, {@code label},
 * {@code idom}. Vertices are numbered 1…count in DFS preorder; 0 means "none". The DFS and {@code compress} are
 * iterative with explicit stacks, since heap graphs are deep enough to overflow the thread's stack. Nodes the DFS
 * does not reach over retaining edges (held only by weak edges, or garbage) hang under the root.
 */
final class Dominators {
    private static final int UNSET = -2;

    private Dominators() {
    }

    /**
     * The result: each node's immediate dominator as a node ordinal ({@link HeapGraph#NO_DOMINATOR} for the root),
     * and all nodes in an order where each comes after its dominator (DFS preorder, then the unreached nodes).
     * Both arrays may be one longer than the node count.
     */
    record Result(int[] dominator, int[] order) {
    }

    /**
     * Computes the dominators. {@code retainerNode} is consumed: its entries are renumbered into DFS numbers in
     * place (so the node → DFS number map can go before the main loop), and it must not be used afterwards.
     */
    static Result compute(HeapSnapshot s, RetentionRule rule, int[] firstRetainer, int[] retainerNode) {
        int n = s.nodeCount();
        int[] vertex = new int[n + 1];      // DFS number → node
        int[] parent = new int[n + 1];      // DFS number → DFS parent's number; becomes idom
        int[] semi = new int[n + 1];
        int[] label = new int[n + 1];
        int[] ancestor = new int[n + 1];

        int count = depthFirst(s, rule, vertex, parent, semi, label, retainerNode, firstRetainer);
        for (int i = 1; i <= count; i++) {
            semi[i] = i;
            label[i] = i;
            ancestor[i] = 0;
        }
        semidominators(count, vertex, parent, semi, label, ancestor, firstRetainer, retainerNode);

        // idom(w) = NCA(parent(w), semi(w)) in the dominator tree built so far; parents precede children.
        int[] idom = parent;
        for (int w = 2; w <= count; w++) {
            int x = idom[w];
            while (x > semi[w]) {
                x = idom[x];
            }
            idom[w] = x;
        }
        return toNodes(s, count, vertex, idom, label, ancestor);
    }

    /**
     * Step 1: numbers the vertices in DFS preorder over retaining edges, then rewrites each retainer slot to its
     * retainer's DFS number (0 for a retainer the DFS did not reach). {@code stackNode} and {@code stackEdge} are
     * scratch arrays (the callers' semi and label) that step 2 initialises afterwards.
     */
    private static int depthFirst(HeapSnapshot s, RetentionRule rule, int[] vertex, int[] parent, int[] stackNode,
                                  int[] stackEdge, int[] retainerNode, int[] firstRetainer) {
        int n = s.nodeCount();
        int root = s.rootOrdinal();
        int[] dfn = new int[n]; // node → DFS number, 0 if unreached; dropped when this phase ends
        int count = 0;
        int sp = 0;
        dfn[root] = ++count;
        vertex[count] = root;
        stackNode[sp] = root;
        stackEdge[sp++] = s.firstEdge(root);
        while (sp > 0) {
            int v = stackNode[sp - 1];
            int e = stackEdge[sp - 1];
            int end = s.endEdge(v);
            while (e < end && (dfn[s.edgeTo(e)] != 0 || !rule.retains(v, e))) {
                e++;
            }
            if (e == end) {
                sp--;
                continue;
            }
            stackEdge[sp - 1] = e + 1;
            int w = s.edgeTo(e);
            dfn[w] = ++count;
            vertex[count] = w;
            parent[count] = dfn[v];
            stackNode[sp] = w;
            stackEdge[sp++] = s.firstEdge(w);
        }
        int slots = firstRetainer[n];
        for (int r = 0; r < slots; r++) {
            retainerNode[r] = dfn[retainerNode[r]];
        }
        return count;
    }

    /** Step 2: semidominators in reverse preorder, linking each vertex to its parent after it is done. */
    private static void semidominators(int count, int[] vertex, int[] parent, int[] semi, int[] label,
                                       int[] ancestor, int[] firstRetainer, int[] retainerDfn) {
        int[] path = new int[64];
        for (int w = count; w >= 2; w--) {
            int node = vertex[w];
            for (int r = firstRetainer[node], end = firstRetainer[node + 1]; r < end; r++) {
                int v = retainerDfn[r];
                if (v == 0) {
                    continue; // a retainer the root does not reach cannot matter
                }
                int u = eval(v, ancestor, label, semi, path);
                if (semi[u] < semi[w]) {
                    semi[w] = semi[u];
                }
            }
            ancestor[w] = parent[w]; // link(parent(w), w)
        }
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

    /**
     * Translates DFS numbers back to node ordinals, into the spent {@code label} and {@code ancestor} arrays so
     * that no new array of N is needed at the memory peak.
     */
    private static Result toNodes(HeapSnapshot s, int count, int[] vertex, int[] idom, int[] label, int[] ancestor) {
        int n = s.nodeCount();
        int root = s.rootOrdinal();
        int[] dominator = label;
        java.util.Arrays.fill(dominator, UNSET);
        for (int w = 2; w <= count; w++) {
            dominator[vertex[w]] = vertex[idom[w]];
        }
        dominator[root] = HeapGraph.NO_DOMINATOR;
        int[] order = ancestor;
        System.arraycopy(vertex, 1, order, 0, count); // preorder: a dominator precedes what it dominates
        int tail = count;
        for (int v = 0; v < n; v++) {
            if (dominator[v] == UNSET) {
                dominator[v] = root; // unreached nodes hang under the root
                order[tail++] = v;
            }
        }
        return new Result(dominator, order);
    }
}
