package dev.leakhunt.graph;

import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The graph facts every analysis needs, computed once from a {@link HeapSnapshot}: who retains each node, how far
 * each node is from the roots, each node's immediate dominator and its retained size. All state is flat arrays
 * indexed by node ordinal.
 */
public final class HeapGraph {
    /** The distance of a node that no retaining path reaches. */
    public static final int UNREACHABLE = Integer.MAX_VALUE;
    /** Distances from the synthetic root (GC roots and the like) start here, as in DevTools' "system" distances. */
    public static final int SYSTEM_DISTANCE = 100_000_000;
    /** The dominator of the root. */
    public static final int NO_DOMINATOR = -1;

    private final HeapSnapshot snapshot;
    private final RetentionRule rule;
    private final int root;
    private int[] firstRetainer;
    private int[] retainerNode;
    private int[] distance;
    private int[] dominator;
    private long[] retainedSize;
    private int unreachableCount;

    private HeapGraph(HeapSnapshot snapshot) {
        this.snapshot = snapshot;
        this.rule = new RetentionRule(snapshot);
        this.root = snapshot.rootOrdinal();
    }

    /** Builds every index; the distance and dominator phases run on two threads since they share only inputs. */
    public static HeapGraph build(HeapSnapshot snapshot) {
        HeapGraph g = new HeapGraph(snapshot);
        g.buildRetainers();
        CompletableFuture<int[]> distances = CompletableFuture.supplyAsync(
                () -> Distances.compute(snapshot, g.rule));
        Dominators.Result dominators = Dominators.compute(snapshot, g.rule, g.firstRetainer, g.retainerNode);
        g.dominator = dominators.dominator();
        g.computeRetainedSizes(dominators.order());
        g.distance = join(distances);
        g.countUnreachable();
        return g;
    }

    private static int[] join(CompletableFuture<int[]> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Retainers over retaining edges only, as a compressed sparse row: node {@code n}'s retainers are
     * {@code retainerNode[firstRetainer[n] … firstRetainer[n + 1] - 1]}. Built by count, prefix sum and a
     * backwards fill, so that no per-node list exists.
     */
    private void buildRetainers() {
        int n = snapshot.nodeCount();
        int[] first = new int[n + 1];
        for (int from = 0; from < n; from++) {
            for (int e = snapshot.firstEdge(from), end = snapshot.endEdge(from); e < end; e++) {
                if (rule.retains(from, e)) {
                    first[snapshot.edgeTo(e)]++;
                }
            }
        }
        int total = 0;
        for (int i = 0; i < n; i++) {
            total += first[i];
            first[i] = total; // now the end of i's range
        }
        first[n] = total;
        int[] retainers = new int[total];
        for (int from = 0; from < n; from++) {
            for (int e = snapshot.firstEdge(from), end = snapshot.endEdge(from); e < end; e++) {
                if (rule.retains(from, e)) {
                    retainers[--first[snapshot.edgeTo(e)]] = from; // ends move down to starts
                }
            }
        }
        firstRetainer = first;
        retainerNode = retainers;
    }

    /**
     * Retained size = self size plus the retained sizes of the nodes it immediately dominates. {@code order} puts
     * every node after its dominator, so summing each node into its dominator in reverse order is a post-order
     * walk of the dominator tree without recursion.
     */
    private void computeRetainedSizes(int[] order) {
        int n = snapshot.nodeCount();
        long[] retained = new long[n];
        for (int v = 0; v < n; v++) {
            retained[v] = snapshot.selfSize(v);
        }
        for (int i = order.length - 1; i > 0; i--) {
            int v = order[i];
            retained[dominator[v]] += retained[v];
        }
        retainedSize = retained;
    }

    private void countUnreachable() {
        int count = 0;
        for (int d : distance) {
            if (d == UNREACHABLE) {
                count++;
            }
        }
        unreachableCount = count;
    }

    public HeapSnapshot snapshot() {
        return snapshot;
    }

    public RetentionRule rule() {
        return rule;
    }

    public int root() {
        return root;
    }

    public int distance(int node) {
        return distance[node];
    }

    /** The immediate dominator, or {@link #NO_DOMINATOR} for the root. */
    public int dominator(int node) {
        return dominator[node];
    }

    public long retainedSize(int node) {
        return retainedSize[node];
    }

    public int firstRetainer(int node) {
        return firstRetainer[node];
    }

    public int endRetainer(int node) {
        return firstRetainer[node + 1];
    }

    /** The node holding retainer slot {@code slot}, from {@link #firstRetainer} to {@link #endRetainer}. */
    public int retainerNode(int slot) {
        return retainerNode[slot];
    }

    /** Nodes that no retaining path from the root reaches (weakly held or garbage awaiting collection). */
    public int unreachableCount() {
        return unreachableCount;
    }

    public boolean isUnreachable(int node) {
        return distance[node] == UNREACHABLE;
    }

    /** The bytes the graph's arrays take for a snapshot of this shape, at their peak during the dominator phase. */
    public static long peakBytes(long nodes, long edges) {
        long kept = nodes * (4 + 4 + 4 + 8) + edges * 4;     // retainers, distance, dominator, retained size
        long transient_ = nodes * 4L * 8 + nodes * 4L * 2;   // Lengauer–Tarjan arrays; BFS queue and order
        return kept + transient_;
    }
}
