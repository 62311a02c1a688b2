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

    /**
     * The nearest-retainer edge of every node (-1 where none), given the distances, into {@code nearest} (at least
     * the node count long; returned). Breadth-first distances make the least distance among a node's retainers
     * known in advance: the root's 0 when the root holds it (the synthetic roots, which the first search skips,
     * may also be reached from deeper), else one less than its own. So only rank and holder order remain to
     * compare, and holders arrive in increasing ordinal: at an equal rank the later holder wins, but not a later
     * edge of the same holder.
     */
    static int[] compute(HeapSnapshot s, RetentionRule rule, int[] distance, int[] nearest) {
        int n = s.nodeCount();
        int root = s.rootOrdinal();
        int rootFirst = s.firstEdge(root);
        int rootEnd = s.endEdge(root);
        byte[] rankOfType = new byte[s.meta().edgeTypes().size()];
        for (int t = 0; t < rankOfType.length; t++) {
            rankOfType[t] = (byte) rankOf(s.meta().edgeTypes().get(t));
        }
        Arrays.fill(nearest, -1);
        for (int from = 0; from < n; from++) {
            int d = distance[from];
            if (d == HeapGraph.UNREACHABLE) {
                continue;
            }
            boolean fromRoot = from == root;
            int firstOwn = s.firstEdge(from);
            for (int e = firstOwn, end = s.endEdge(from); e < end; e++) {
                int to = s.edgeTo(e);
                if (!fromRoot && d != distance[to] - 1 || to == root || !rule.retains(from, e)) {
                    continue;
                }
                int current = nearest[to];
                boolean currentFromRoot = current >= rootFirst && current < rootEnd;
                if (current >= 0 && currentFromRoot != fromRoot) {
                    if (fromRoot) {
                        nearest[to] = e; // the root is nearer than any other holder
                    }
                    continue;
                }
                if (current < 0) {
                    nearest[to] = e;
                    continue;
                }
                int rank = rankOfType[s.edgeType(e)];
                int currentRank = rankOfType[s.edgeType(current)];
                boolean sameHolder = current >= firstOwn;
                if (sameHolder ? rank < currentRank : rank <= currentRank) {
                    nearest[to] = e;
                }
            }
        }
        return nearest;
    }
}
