package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;

/** Questions about the dominator tree that need its depths: lowest common dominators. */
final class DominatorTree {
    private final HeapGraph graph;

    DominatorTree(HeapGraph graph) {
        this.graph = graph;
    }

    int depth(int node) {
        int d = 0;
        for (int v = graph.dominator(node); v != HeapGraph.NO_DOMINATOR; v = graph.dominator(v)) {
            d++;
        }
        return d;
    }

    /** The lowest node that dominates (or is) every one of {@code nodes[0 … count - 1]}. */
    int commonDominator(int[] nodes, int count) {
        int lca = nodes[0];
        int lcaDepth = depth(lca);
        for (int i = 1; i < count; i++) {
            int other = nodes[i];
            int otherDepth = depth(other);
            while (otherDepth > lcaDepth) {
                other = graph.dominator(other);
                otherDepth--;
            }
            while (lcaDepth > otherDepth) {
                lca = graph.dominator(lca);
                lcaDepth--;
            }
            while (lca != other) {
                lca = graph.dominator(lca);
                other = graph.dominator(other);
                lcaDepth--;
            }
        }
        return lca;
    }
}
