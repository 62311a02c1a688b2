package dev.leakhunt.graph;

import dev.leakhunt.graph.Workspace.Role;
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
        try (HeapSnapshot.Parked idle = snapshot.park("the graph's distances and dominators",
                HeapSnapshot.Part.NODE_NAMES, HeapSnapshot.Part.SELF_SIZES)) {
            g.computeDistancesAndDominators(idle);
            g.countUnreachable();
        }
        return g;
    }

    /**
     * The distances on a second thread beside the DFS, which both read the edges; then the retainers by DFS
     * number and the dominators, which read no edge, with the distances and the DFS's vertex map parked meanwhile.
     * The arrays are the workspace's, by role: one array of N is the BFS queue, then the dominators' labels, then
     * the dominator map; the parents become the immediate dominators, then the nearest retainers' edges; the
     * vertex map becomes the preorder. The self sizes come back for the retained sizes, the last phase, beside the
     * nearest retainers.
     */
    private void computeDistancesAndDominators(HeapSnapshot.Parked idle) {
        int n = snapshot.nodeCount();
        Workspace ws = new Workspace(snapshot.movesIdleArrays());
        int[] queue = ws.make(Role.QUEUE, n + 1);
        CompletableFuture<int[]> distances = CompletableFuture.supplyAsync(
                () -> Distances.compute(snapshot, rule, queue));
        int count = Dominators.depthFirst(snapshot, rule, ws.make(Role.VERTICES, n + 1), ws.make(Role.PARENTS, n + 1),
                ws.make(Role.NUMBERS, n + 1), ws.make(Role.RETAINER_INDEX, n + 2));
        ws.put(Role.DISTANCES, join(distances));
        distances = null; // the future holds its result
        Workspace.Parked aside = ws.park("the retainers and semidominators", Role.DISTANCES, Role.VERTICES);
        reclaim();
        Dominators.Retainers retainers = Dominators.retainers(snapshot, rule, count, ws.get(Role.NUMBERS),
                ws.get(Role.PARENTS), ws.get(Role.RETAINER_INDEX));
        ws.spend(Role.RETAINER_INDEX); // the retainers hold it
        Dominators.immediateDominators(count, ws.get(Role.PARENTS), retainers, ws.get(Role.NUMBERS),
                ws.handOn(Role.QUEUE, Role.LABELS), ws.make(Role.ANCESTORS, n + 1));
        retainers = null; // dead before the collection that brings the sizes back
        ws.spend(Role.NUMBERS, Role.ANCESTORS);
        ws.handOn(Role.PARENTS, Role.IMMEDIATE_DOMINATORS);
        idle.restore(HeapSnapshot.Part.SELF_SIZES);
        aside.restore();
        distance = ws.get(Role.DISTANCES);
        Dominators.Result dominators = Dominators.toNodes(snapshot, count, ws.get(Role.VERTICES),
                ws.get(Role.IMMEDIATE_DOMINATORS), ws.handOn(Role.LABELS, Role.DOMINATORS));
        dominator = dominators.dominator();
        ws.handOn(Role.VERTICES, Role.PREORDER);
        computeRetainedSizesAndNearestRetainers(ws.get(Role.PREORDER), ws.handOn(Role.IMMEDIATE_DOMINATORS,
                Role.NEAREST_EDGES));
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
