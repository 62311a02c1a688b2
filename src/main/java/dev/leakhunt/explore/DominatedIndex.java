package dev.leakhunt.explore;

import dev.leakhunt.graph.HeapGraph;
import java.util.Arrays;

/**
 * The dominator tree downwards: the nodes each node immediately dominates, as a compressed sparse row built by
 * count / prefix sum / fill the first time {@code dominated} is asked. Node {@code v}'s children are
 * {@code children[first[v] … first[v + 1] - 1]}.
 */
final class DominatedIndex {
    private final int[] first;
    private final int[] children;

    DominatedIndex(HeapGraph graph) {
        int n = graph.snapshot().nodeCount();
        int[] start = new int[n + 1];
        for (int v = 0; v < n; v++) {
            int d = graph.dominator(v);
            if (d != HeapGraph.NO_DOMINATOR) {
                start[d]++;
            }
        }
        int total = 0;
        for (int v = 0; v < n; v++) {
            total += start[v];
            start[v] = total; // the end of v's range, until the fill moves it down to its start
        }
        start[n] = total;
        int[] kids = new int[total];
        for (int v = n - 1; v >= 0; v--) {
            int d = graph.dominator(v);
            if (d != HeapGraph.NO_DOMINATOR) {
                kids[--start[d]] = v; // filled backwards, so each range keeps ordinal order
            }
        }
        first = start;
        children = kids;
    }

    int count(int node) {
        return first[node + 1] - first[node];
    }

    /** A copy of the nodes {@code node} immediately dominates, in ordinal order. */
    int[] children(int node) {
        return Arrays.copyOfRange(children, first[node], first[node + 1]);
    }
}
