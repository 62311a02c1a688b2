package dev.leakhunt.graph;

import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.Arrays;

/**
 * Each node's next step towards the roots, the step retainer chains take (design §3): among its retainers over
 * retaining edges, the one of least distance; among those, the best-ranked edge ({@code property}, then
 * {@code context}, {@code element}, the rest, {@code internal}, {@code hidden}); among equals, the holder with the
 * highest ordinal and its first such edge. One forward pass over the edges, so a chain costs a few array reads per
 * step however many nodes are asked about.
 */
public final class NearestRetainers {
    private NearestRetainers() {
    }

    /** The rank of an edge type for chains: lower is better. */
    public static int rank(HeapSnapshot s, int edge) {
        String type = s.meta().edgeTypes().get(s.edgeType(edge));
        return rankOf(type);
    }

    static int rankOf(String edgeType) {
        return switch (edgeType) {
            case "property" -> 0;
            case "context" -> 1;
            case "element" -> 2;
            case "internal" -> 4;
            case "hidden" -> 5;
            default -> 3;
        };
    }

    /** The nearest-retainer edge of every node (-1 where none), given the distances. */
    static int[] compute(HeapSnapshot s, RetentionRule rule, int[] distance) {
        int n = s.nodeCount();
        byte[] rankOfType = new byte[s.meta().edgeTypes().size()];
        for (int t = 0; t < rankOfType.length; t++) {
            rankOfType[t] = (byte) rankOf(s.meta().edgeTypes().get(t));
        }
        int[] nearest = new int[n];
        Arrays.fill(nearest, -1);
        int[] holderOf = new int[n]; // the chosen holder while this pass runs
        for (int from = 0; from < n; from++) {
            int d = distance[from];
            if (d == HeapGraph.UNREACHABLE) {
                continue;
            }
            for (int e = s.firstEdge(from), end = s.endEdge(from); e < end; e++) {
                int to = s.edgeTo(e);
                if (d >= distance[to] || !rule.retains(from, e)) {
                    continue;
                }
                int current = nearest[to];
                if (current < 0) {
                    nearest[to] = e;
                    holderOf[to] = from;
                    continue;
                }
                int currentDistance = distance[holderOf[to]];
                int rank = rankOfType[s.edgeType(e)];
                int currentRank = rankOfType[s.edgeType(current)];
                if (d < currentDistance || d == currentDistance
                        && (from == holderOf[to] ? rank < currentRank : rank <= currentRank)) {
                    nearest[to] = e;
                    holderOf[to] = from;
                }
            }
        }
        return nearest;
    }
}
