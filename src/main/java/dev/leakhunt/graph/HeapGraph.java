package dev.leakhunt.graph;

import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.SpilledInts;
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
    private RetainedSizes retainedSize;
    private int[] nearestEdge;
    private int unreachableCount;

    private HeapGraph(HeapSnapshot snapshot) {
        this.snapshot = snapshot;
        this.rule = new RetentionRule(snapshot);
        this.root = snapshot.rootOrdinal();
    }

    /**
     * Builds every index, as a list of phases. Edge names and node ids move off the heap for good; names, which no
     * phase here reads, wait on disk meanwhile, and self sizes too until the dominators are known, the memory peak.
     * Each phase is a method of its own, so that its big arrays die when it returns.
     */
    public static HeapGraph build(HeapSnapshot snapshot) {
        HeapGraph g = new HeapGraph(snapshot);
        snapshot.moveNamesAndIdsOffHeap();
        try (HeapSnapshot.Parked idle = snapshot.park("the graph's distances and dominators", HeapSnapshot.Part.NODE_NAMES, HeapSnapshot.Part.SELF_SIZES)) {
            g.computeDistancesAndDominators(idle);
            g.countUnreachable();
        }
        return g;
    }

    /**
     * The distances on a second thread beside the DFS, which both read the edges; then the retainers by DFS
     * number and the dominators, which read no edge, with the distances and the DFS's vertex map set aside
     * meanwhile. One scratch array of N serves as the BFS queue, the dominators' labels and the dominator map.
     * The self sizes come back for the retained sizes, the last phase, beside the nearest retainers.
     */
    private void computeDistancesAndDominators(HeapSnapshot.Parked idle) {
        int n = snapshot.nodeCount();
        int[] scratch = new int[n + 1];
        CompletableFuture<int[]> distances = CompletableFuture.supplyAsync(
                () -> Distances.compute(snapshot, rule, scratch));
        int[] vertex = new int[n + 1];
        int[] parent = new int[n + 1];
        int[] number = new int[n + 1];
        int[] retainerIndex = new int[n + 2];
        int count = Dominators.depthFirst(snapshot, rule, vertex, parent, number, retainerIndex);
        SpilledInts aside = setAside(join(distances), vertex);
        distances = null; // the future holds its result
        vertex = null;
        reclaim();
        Dominators.Retainers retainers = Dominators.retainers(snapshot, rule, count, number, parent, retainerIndex);
        retainerIndex = null; // the retainers hold it
        int[] ancestor = new int[n + 1];
        Dominators.immediateDominators(count, parent, retainers, number, scratch, ancestor);
        retainers = null; // dead before the collection that brings the sizes back
        number = null;
        ancestor = null;
        idle.restore(HeapSnapshot.Part.SELF_SIZES);
        distance = aside.readBack(0);
        Dominators.Result dominators = Dominators.toNodes(snapshot, count, aside.readBack(1), parent, scratch);
        dominator = dominators.dominator();
        computeRetainedSizesAndNearestRetainers(dominators.preorder(), parent);
    }

    /**
     * The nearest retainers need only the distances, so they run on a second thread beside the retained sizes,
     * into a spent array of N + 1 (the immediate dominators by DFS number).
     */
    private void computeRetainedSizesAndNearestRetainers(int[] preorder, int[] spent) {
        CompletableFuture<int[]> nearest = CompletableFuture.supplyAsync(
                () -> NearestRetainers.compute(snapshot, rule, distance, spent));
        retainedSize = RetainedSizes.compute(snapshot, dominator, preorder);
        nearestEdge = join(nearest);
    }

    /** Arrays that the next phases do not read, on disk in a snapshot whose arrays move out of the heap. */
    private SpilledInts setAside(int[]... arrays) {
        return snapshot.movesIdleArrays() ? SpilledInts.of(arrays) : SpilledInts.kept(arrays);
    }

    /**
     * A full collection at a phase boundary, where big arrays have just died: the next phase reuses their space
     * instead of growing the heap, which keeps the process's peak memory at the largest phase, not their sum.
     * Only where arrays move out of the heap; a small snapshot's phases are not worth it.
     */
    private void reclaim() {
        if (snapshot.movesIdleArrays()) {
            System.gc();
        }
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
        return retainedSize.get(node);
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
     * The bytes the graph phases need beyond the snapshot's own arrays at their peak. The dominator phase holds
     * seven arrays of N (four of the algorithm, the retainers' index, the distances and the vertex map) and the
     * retainers (at most one int an edge); the retained sizes' phase five. Where arrays move out of the heap, the
     * dominator phase sets the distances and vertex map aside and parks names and sizes, and both phases have the
     * ids and edge names off the heap.
     */
    public static long peakBytes(long nodes, long edges) {
        long dominatorPhase = nodes * 4 * 7 + edges * 4;
        if (!HeapSnapshot.movesIdleArrays(nodes, edges)) {
            return dominatorPhase;
        }
        long offHeap = nodes * 4 + edges * 4;
        long sizesPhase = nodes * 4 * 5 - nodes * 4 - offHeap; // names still parked
        return Math.max(dominatorPhase - nodes * 4 * 4 - offHeap, sizesPhase);
    }
}
