package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Groups the ArrayBuffer backing stores ({@code native} nodes named {@code system / JSArrayBufferData}) by the
 * signature of the nearest steps of their retainer chains, largest total first.
 */
public final class BufferGroups {
    public static final String BACKING_STORE = "system / JSArrayBufferData";
    /** How many steps above the buffer make its group: buffer ← ArrayBuffer ← view ← owner ← owner's holder. */
    public static final int SIGNATURE_STEPS = 4;

    private BufferGroups() {
    }

    /** The ordinals of all backing-store nodes. */
    public static int[] backingStores(HeapSnapshot s) {
        int name = s.strings().indexOf(BACKING_STORE);
        int nativeType = s.meta().nodeType("native");
        if (name < 0) {
            return new int[0];
        }
        int count = 0;
        int[] found = new int[64];
        for (int n = 0; n < s.nodeCount(); n++) {
            if (s.nodeNameIndex(n) == name && s.nodeType(n) == nativeType) {
                if (count == found.length) {
                    found = Arrays.copyOf(found, count * 2);
                }
                found[count++] = n;
            }
        }
        return Arrays.copyOf(found, count);
    }

    /** A growable set of member ordinals with its running figures. */
    static class Members {
        int[] nodes = new int[8];
        int count;
        long total;
        long min = Long.MAX_VALUE;
        long max;

        void add(int node, long size) {
            if (count == nodes.length) {
                nodes = Arrays.copyOf(nodes, count * 2);
            }
            nodes[count++] = node;
            total += size;
            min = Math.min(min, size);
            max = Math.max(max, size);
        }
    }

    /** Groups {@code members} (e.g. {@link #backingStores}), returning the {@code top} largest by total bytes. */
    public static List<BufferGroup> group(Describer describer, int[] members, int top) {
        HeapGraph graph = describer.graph();
        HeapSnapshot s = graph.snapshot();
        RetainerChains chains = new RetainerChains(describer);
        Map<String, Members> bySignature = new HashMap<>();
        for (int node : members) {
            String signature = chains.signature(chains.path(node), SIGNATURE_STEPS);
            bySignature.computeIfAbsent(signature, k -> new Members()).add(node, s.selfSize(node));
        }
        List<Members> sorted = new ArrayList<>(bySignature.values());
        sorted.sort(Comparator.comparingLong((Members m) -> m.total).reversed().thenComparingInt(m -> -m.count));
        DominatorTree tree = new DominatorTree(graph);
        List<BufferGroup> groups = new ArrayList<>();
        for (Members m : sorted.subList(0, Math.min(top, sorted.size()))) {
            groups.add(describe(describer, chains, tree, m));
        }
        return groups;
    }

    private static BufferGroup describe(Describer describer, RetainerChains chains, DominatorTree tree, Members m) {
        return describe(describer, chains, node -> chains.signature(chains.path(node), -1), tree, m);
    }

    /**
     * Describes the members as one group; {@code chainKey} gives a value equal for two members
     * exactly when their whole chains' signatures are (the signature itself, or a cheaper key to it).
     */
    static BufferGroup describe(Describer describer, RetainerChains chains, IntFunction<Object> chainKey,
                                DominatorTree tree, Members m) {
        int[] nodes = m.nodes;
        int count = m.count;
        long min = m.min;
        long max = m.max;
        long total = m.total;
        int representative = largest(describer.graph().snapshot(), nodes, count);
        RetainerChains.Path path = chains.path(representative);
        Object full = chainKey.apply(representative);
        int sharing = 0;
        for (int i = 0; i < count; i++) {
            if (nodes[i] == representative || chainKey.apply(nodes[i]).equals(full)) {
                sharing++;
            }
        }
        int dominator = tree.commonDominator(nodes, count);
        if (count == 1 && dominator == nodes[0] && describer.graph().dominator(dominator) >= 0) {
            dominator = describer.graph().dominator(dominator); // a lone buffer: what holds it, not itself
        }
        int step = -1;
        for (int i = 0; i < path.length(); i++) {
            if (path.nodes()[i] == dominator) {
                step = i;
            }
        }
        return new BufferGroup(count, min == max ? min : null, min, max, total,
                chains.steps(path), sharing, describer.ref(dominator), step);
    }

    /** The member with the most bytes (the lowest ordinal among equals), whose chain the report shows. */
    private static int largest(HeapSnapshot s, int[] nodes, int count) {
        int best = nodes[0];
        for (int i = 1; i < count; i++) {
            if (s.selfSize(nodes[i]) > s.selfSize(best)) {
                best = nodes[i];
            }
        }
        return best;
    }
}
