package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;

/**
 * Every node's next step towards the roots, as retainer chains take it. The graph computes these steps for all
 * nodes in one pass ({@link HeapGraph#nearestEdge}); this is the analysis' view of them, with chains cut to a
 * number of steps.
 */
public final class NearestRetainers {
    /** No retainer: the root, an unreachable node, or a node held only through unreachable ones. */
    public static final int NONE = -1;

    private final HeapGraph graph;
    private final RetainerChains chains;

    private NearestRetainers(Describer describer) {
        this.graph = describer.graph();
        this.chains = new RetainerChains(describer);
    }

    public static NearestRetainers compute(Describer describer) {
        return new NearestRetainers(describer);
    }

    /** The node's chosen retainer, or {@link #NONE}. */
    public int holder(int node) {
        int h = graph.nearestHolder(node);
        return h < 0 ? NONE : h;
    }

    /** The edge by which {@link #holder} holds the node (meaningless when there is none). */
    public int edge(int node) {
        return graph.nearestEdge(node);
    }

    /** The node's retainer chain cut after {@code maxSteps} nodes (the node itself included). */
    public RetainerChains.Path path(int node, int maxSteps) {
        return chains.path(node, maxSteps);
    }
}
