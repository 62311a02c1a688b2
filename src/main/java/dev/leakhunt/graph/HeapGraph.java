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
    private int[] distance;
    private int[] dominator;
    private long[] retainedSize;
    private int[] nearestEdge;
    private int unreachableCount;

    private HeapGraph(HeapSnapshot snapshot) {
        this.snapshot = snapshot;
        this.rule = new RetentionRule(snapshot);
        this.root = snapshot.rootOrdinal();
    }

    /**
     * Builds every index, as a list of phases. Edge names move off the heap for good; names and ids, which no
     * phase here reads, wait on disk meanwhile, and self sizes too while the dominators are computed, the memory
     * peak. Distances run on a second thread beside the retainer index, and nearest retainers beside the retained
     * sizes, with which they share only inputs. Each phase is a method of its own, so that its big arrays die when
     * it returns.
     */
    public static HeapGraph build(HeapSnapshot snapshot) {
        HeapGraph g = new HeapGraph(snapshot);
        snapshot.moveEdgeNamesOffHeap();
        try (HeapSnapshot.Parked idle = snapshot.park(HeapSnapshot.Part.NODE_NAMES, HeapSnapshot.Part.NODE_IDS)) {
            g.computeDominatorsAndRetainedSizes();
            g.countUnreachable();
        }
        return g;
    }

    /** The nearest retainers need only the distances, so they run on a second thread beside the retained sizes. */
    private void computeDominatorsAndRetainedSizes() {
        Dominators.Result dominators = computeDistancesAndDominators();
        dominator = dominators.dominator();
        CompletableFuture<int[]> nearest = CompletableFuture.supplyAsync(
                () -> NearestRetainers.compute(snapshot, rule, distance));
        computeRetainedSizes(dominators.order());
        nearestEdge = join(nearest);
    }

    private Dominators.Result computeDistancesAndDominators() {
        try (HeapSnapshot.Parked sizes = snapshot.park(HeapSnapshot.Part.SELF_SIZES)) {
            CompletableFuture<int[]> distances = CompletableFuture.supplyAsync(() -> Distances.compute(snapshot, rule));
            int[] firstRetainer = new int[snapshot.nodeCount() + 1];
            int[] retainerNode = buildRetainers(firstRetainer);
            distance = join(distances); // the BFS queue is gone before the dominator phase allocates
            Dominators.Result result = Dominators.compute(snapshot, rule, firstRetainer, retainerNode);
            reclaim();
            return result;
        }
    }

    /**
     * A full collection at a phase boundary, where big arrays have just died: the next phase reuses their space
     * instead of growing the heap, which keeps the process's peak memory at the largest phase, not their sum.
     */
    private static void reclaim() {
        System.gc();
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
     * {@code retainers[first[n] … first[n + 1] - 1]}. Built by count, prefix sum and a backwards fill, so that no
     * per-node list exists.
     */
    private int[] buildRetainers(int[] first) {
        int n = snapshot.nodeCount();
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
        return retainers;
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
        for (int i = n - 1; i > 0; i--) {
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

    /**
     * The edge by which the node's nearest retainer holds it: the retainer of least distance, then of best-ranked
     * edge (see {@link NearestRetainers}); -1 for the root and unreachable nodes. Retainer chains follow it.
     */
    public int nearestEdge(int node) {
        return nearestEdge[node];
    }

    /** The node holding {@link #nearestEdge}, or -1. */
    public int nearestHolder(int node) {
        int e = nearestEdge[node];
        return e < 0 ? -1 : snapshot.edgeOwner(e);
    }

    /** Nodes that no retaining path from the root reaches (weakly held or garbage awaiting collection). */
    public int unreachableCount() {
        return unreachableCount;
    }

    public boolean isUnreachable(int node) {
        return distance[node] == UNREACHABLE;
    }

    /**
     * The bytes the graph phases need beyond the snapshot's own arrays at their peak, the dominator phase: the
     * retainer index, distances and six arrays of N, less the arrays parked on disk meanwhile.
     */
    public static long peakBytes(long nodes, long edges) {
        long added = nodes * 4 + edges * 4 + nodes * 4 + nodes * 4L * 6;
        long parked = nodes * 4L * 3 + edges * 4;
        return added - parked;
    }
}
