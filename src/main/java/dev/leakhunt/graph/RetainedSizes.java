package dev.leakhunt.graph;

import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.Arrays;

/**
 * Retained sizes in an int each: self size plus the retained sizes of the nodes it immediately dominates. A size of
 * 2 GiB and more (only the few nodes that dominate that much: the root and the owners of huge subtrees) is kept
 * aside in a long, as the snapshot keeps self sizes; so the array costs half a {@code long[]}.
 */
final class RetainedSizes {
    private final int[] small; // a size, or -1 - i for large[i]
    private long[] large = new long[4];
    private int largeCount;

    private RetainedSizes(int[] small) {
        this.small = small;
    }

    /**
     * Computes them. {@code preorder[1 … node count]} puts every node after its dominator, so summing each node
     * into its dominator in reverse order is a post-order walk of the dominator tree without recursion.
     */
    static RetainedSizes compute(HeapSnapshot s, int[] dominator, int[] preorder) {
        int n = s.nodeCount();
        RetainedSizes sizes = new RetainedSizes(new int[n]);
        for (int v = 0; v < n; v++) {
            sizes.set(v, s.selfSize(v));
        }
        for (int i = n; i > 1; i--) { // preorder[1] is the root
            int v = preorder[i];
            int d = dominator[v];
            sizes.set(d, sizes.get(d) + sizes.get(v));
        }
        return sizes;
    }

    long get(int node) {
        int size = small[node];
        return size >= 0 ? size : large[-1 - size];
    }

    private void set(int node, long size) {
        int current = small[node];
        if (current < 0) {
            large[-1 - current] = size; // sizes only grow: once large, always
        } else if (size <= Integer.MAX_VALUE) {
            small[node] = (int) size;
        } else {
            if (largeCount == large.length) {
                large = Arrays.copyOf(large, largeCount * 2);
            }
            large[largeCount] = size;
            small[node] = -1 - largeCount++;
        }
    }
}
