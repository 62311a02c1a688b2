package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Retainer chains: from a node, repeatedly the retainer nearest the roots (ties broken by edge kind), over
 * retaining edges, up to a child of the root; {@link HeapGraph#nearestEdge} holds each step. Distances fall by at
 * least one at every step, so a chain ends; an unreachable node's chain is the node alone.
 */
public final class RetainerChains {
    private final HeapGraph graph;
    private final HeapSnapshot s;
    private final Describer describer;

    public RetainerChains(Describer describer) {
        this.describer = describer;
        this.graph = describer.graph();
        this.s = graph.snapshot();
    }

    /**
     * The chain of {@code node} as parallel arrays: {@code nodes[0]} is the node, {@code nodes[i]} holds
     * {@code nodes[i - 1]} by edge {@code edges[i]} ({@code edges[0]} is -1). The root itself is left out.
     */
    public record Path(int[] nodes, int[] edges) {
        public int length() {
            return nodes.length;
        }
    }

    public Path path(int node) {
        return path(node, Integer.MAX_VALUE);
    }

    /** The chain cut after {@code maxSteps} nodes (the node itself included). */
    public Path path(int node, int maxSteps) {
        int[] nodes = new int[16];
        int[] edges = new int[16];
        int length = 0;
        nodes[length] = node;
        edges[length++] = -1;
        int root = graph.root();
        for (int current = node; length < maxSteps; ) {
            int edge = graph.nearestEdge(current);
            if (edge < 0) {
                break;
            }
            int holder = s.edgeOwner(edge);
            if (holder == root) {
                break;
            }
            if (length == nodes.length) {
                nodes = Arrays.copyOf(nodes, length * 2);
                edges = Arrays.copyOf(edges, length * 2);
            }
            nodes[length] = holder;
            edges[length++] = edge;
            current = holder;
        }
        return new Path(Arrays.copyOf(nodes, length), Arrays.copyOf(edges, length));
    }

    /** The chain as report steps. */
    public List<ChainStep> steps(Path path) {
        List<ChainStep> steps = new ArrayList<>(path.length());
        for (int i = 0; i < path.length(); i++) {
            int e = path.edges()[i];
            steps.add(new ChainStep(describer.ref(path.nodes()[i]),
                    e < 0 ? null : s.edgeTypeName(e), e < 0 ? null : describer.edgeName(e)));
        }
        return steps;
    }
}
