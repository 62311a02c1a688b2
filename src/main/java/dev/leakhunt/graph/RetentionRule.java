package dev.leakhunt.graph;

import dev.leakhunt.snapshot.HeapSnapshot;

/**
 * Which edges keep their target alive. Distances, dominators and retainer chains all ask this one predicate:
 * an edge retains unless it is {@code weak}, points back to its own node, or is a {@code shortcut} from a node
 * other than the root (shortcuts elsewhere duplicate a real path, e.g. a closure's pointer into its context).
 */
public final class RetentionRule {
    private final HeapSnapshot snapshot;
    private final int root;
    private final int weakType;
    private final int shortcutType;

    public RetentionRule(HeapSnapshot snapshot) {
        this.snapshot = snapshot;
        this.root = snapshot.rootOrdinal();
        this.weakType = snapshot.meta().edgeType("weak");
        this.shortcutType = snapshot.meta().edgeType("shortcut");
    }

    public boolean retains(int fromNode, int edge) {
        int type = snapshot.edgeType(edge);
        return type != weakType
                && snapshot.edgeTo(edge) != fromNode
                && (type != shortcutType || fromNode == root);
    }
}
