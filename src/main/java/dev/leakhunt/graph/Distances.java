package dev.leakhunt.graph;

import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.Arrays;

/**
 * Distances from the roots, as Chrome DevTools computes them ({@code HeapSnapshot.calculateDistances}): a
 * breadth-first search over retaining edges from the user roots (the root's children that are not synthetic,
 * e.g. the global object) at distance 1, then a second search from the synthetic roots ({@code (GC roots)} and
 * the like) for whatever the first did not reach, at {@link HeapGraph#SYSTEM_DISTANCE} and up. The root is at 0;
 * anything left is {@link HeapGraph#UNREACHABLE}.
 */
final class Distances {
    private Distances() {
    }

    /** The distances; {@code queue} is a scratch array of at least the node count, left with no meaning. */
    static int[] compute(HeapSnapshot s, RetentionRule rule, int[] queue) {
        int n = s.nodeCount();
        int root = s.rootOrdinal();
        int syntheticType = s.meta().nodeType("synthetic");
        int[] distance = new int[n];
        Arrays.fill(distance, HeapGraph.UNREACHABLE);
        distance[root] = 0;

        int tail = 0;
        for (int e = s.firstEdge(root), end = s.endEdge(root); e < end; e++) {
            int child = s.edgeTo(e);
            if (s.nodeType(child) != syntheticType && rule.retains(root, e) && distance[child] == HeapGraph.UNREACHABLE) {
                distance[child] = 1;
                queue[tail++] = child;
            }
        }
        bfs(s, rule, distance, queue, tail);

        tail = 0;
        for (int e = s.firstEdge(root), end = s.endEdge(root); e < end; e++) {
            int child = s.edgeTo(e);
            if (rule.retains(root, e) && distance[child] == HeapGraph.UNREACHABLE) {
                distance[child] = HeapGraph.SYSTEM_DISTANCE;
                queue[tail++] = child;
            }
        }
        bfs(s, rule, distance, queue, tail);
        return distance;
    }

    /** Breadth-first from the {@code tail} nodes queued; each node enters the queue once, so it cannot overflow. */
    private static void bfs(HeapSnapshot s, RetentionRule rule, int[] distance, int[] queue, int tail) {
        int head = 0;
        while (head < tail) {
            int from = queue[head++];
            int next = distance[from] + 1;
            for (int e = s.firstEdge(from), end = s.endEdge(from); e < end; e++) {
                int to = s.edgeTo(e);
                if (distance[to] == HeapGraph.UNREACHABLE && rule.retains(from, e)) {
                    distance[to] = next;
                    queue[tail++] = to;
                }
            }
        }
    }
}
