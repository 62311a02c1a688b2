package dev.leakhunt.testing;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.graph.NearestRetainers;
import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain reference for the chain rule of design §3, written independently of the graph's one-pass version: per
 * node, all retainers over retaining edges, then the least distance, the best edge rank, the highest holder
 * ordinal, and that holder's first such edge.
 */
public final class ChainRule {
    private ChainRule() {
    }

    /** The edge the rule picks for every node, -1 where there is none. */
    public static int[] nearestEdges(HeapGraph graph) {
        HeapSnapshot s = graph.snapshot();
        int n = s.nodeCount();
        List<List<Integer>> incoming = new ArrayList<>();
        for (int v = 0; v < n; v++) {
            incoming.add(new ArrayList<>());
        }
        for (int from = 0; from < n; from++) {
            for (int e = s.firstEdge(from); e < s.endEdge(from); e++) {
                if (graph.rule().retains(from, e)) {
                    incoming.get(s.edgeTo(e)).add(e);
                }
            }
        }
        int[] best = new int[n];
        for (int v = 0; v < n; v++) {
            best[v] = -1;
            if (graph.isUnreachable(v)) {
                continue;
            }
            for (int e : incoming.get(v)) {
                int holder = s.edgeOwner(e);
                if (graph.distance(holder) >= graph.distance(v)) {
                    continue;
                }
                if (best[v] < 0 || better(graph, e, holder, best[v], s.edgeOwner(best[v]))) {
                    best[v] = e;
                }
            }
        }
        return best;
    }

    private static boolean better(HeapGraph g, int e, int holder, int current, int currentHolder) {
        HeapSnapshot s = g.snapshot();
        if (g.distance(holder) != g.distance(currentHolder)) {
            return g.distance(holder) < g.distance(currentHolder);
        }
        int rank = NearestRetainers.rank(s, e);
        int currentRank = NearestRetainers.rank(s, current);
        if (rank != currentRank) {
            return rank < currentRank;
        }
        if (holder != currentHolder) {
            return holder > currentHolder;
        }
        return e < current;
    }
}
