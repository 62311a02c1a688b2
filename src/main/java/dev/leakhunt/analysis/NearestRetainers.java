package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.graph.RetentionRule;
import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.Arrays;

/**
 * Every node's next step towards the roots, as {@link RetainerChains#bestRetainer} chooses it, computed for all
 * nodes in one forward pass over the edges. {@code RetainerChains} finds a step by scanning the holder's edges,
 * which costs the holder's edge count per member: fine for a few buffers, quadratic for 100,000 new objects in
 * one array. Here each edge is looked at once.
 *
 * <p>The choice is the same: the retainer nearest the roots, then the best-ranked edge; among equals
 * {@code RetainerChains} keeps the first retainer slot, which is the holder with the highest ordinal (retainer
 * slots are filled backwards), and a holder's first edge of the best rank.
 */
public final class NearestRetainers {
    /** No retainer: the root, an unreachable node, or a node held only through unreachable ones. */
    public static final int NONE = -1;

    private final HeapGraph graph;
    private final int[] holder;
    private final int[] edge;

    private NearestRetainers(HeapGraph graph, int[] holder, int[] edge) {
        this.graph = graph;
        this.holder = holder;
        this.edge = edge;
    }

    public static NearestRetainers compute(Describer describer) {
        HeapGraph graph = describer.graph();
        HeapSnapshot s = graph.snapshot();
        RetentionRule rule = graph.rule();
        int n = s.nodeCount();
        int[] holder = new int[n];
        int[] edge = new int[n];
        Arrays.fill(holder, NONE);
        for (int from = 0; from < n; from++) {
            int d = graph.distance(from);
            if (d == HeapGraph.UNREACHABLE) {
                continue;
            }
            for (int e = s.firstEdge(from), end = s.endEdge(from); e < end; e++) {
                int to = s.edgeTo(e);
                if (d >= graph.distance(to) || !rule.retains(from, e)) {
                    continue;
                }
                int h = holder[to];
                if (h == NONE || d < graph.distance(h) || d == graph.distance(h) && better(describer, from, e, h, edge[to])) {
                    holder[to] = from;
                    edge[to] = e;
                }
            }
        }
        return new NearestRetainers(graph, holder, edge);
    }

    /** At equal distance: a better rank wins; an equal rank goes to a later holder but not to a later edge of one. */
    private static boolean better(Describer describer, int from, int e, int currentHolder, int currentEdge) {
        int rank = describer.edgeRank(e);
        int currentRank = describer.edgeRank(currentEdge);
        return from == currentHolder ? rank < currentRank : rank <= currentRank;
    }

    /** The node's chosen retainer, or {@link #NONE}. */
    public int holder(int node) {
        return holder[node];
    }

    /** The edge by which {@link #holder} holds the node (meaningless when there is none). */
    public int edge(int node) {
        return edge[node];
    }

    /**
     * The node's retainer chain, as {@link RetainerChains#path} gives it, cut after {@code maxSteps} nodes (the
     * node itself included).
     */
    public RetainerChains.Path path(int node, int maxSteps) {
        int[] nodes = new int[16];
        int[] edges = new int[16];
        int length = 0;
        nodes[length] = node;
        edges[length++] = -1;
        int root = graph.root();
        int current = node;
        while (length < maxSteps && !graph.isUnreachable(current)) {
            int h = holder[current];
            if (h == NONE || h == root) {
                break;
            }
            if (length == nodes.length) {
                nodes = Arrays.copyOf(nodes, length * 2);
                edges = Arrays.copyOf(edges, length * 2);
            }
            nodes[length] = h;
            edges[length++] = edge[current];
            current = h;
        }
        return new RetainerChains.Path(Arrays.copyOf(nodes, length), Arrays.copyOf(edges, length));
    }
}
