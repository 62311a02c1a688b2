package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups a set of nodes of one snapshot as {@code analyze} groups backing stores: by the signature of the nearest
 * steps of their retainer chains ({@link BufferGroups#SIGNATURE_STEPS}, ids and element indexes left out), and for
 * other objects by class too. Signatures come from {@link DiffChains}, so grouping costs a step or two a member
 * whatever holds it.
 */
final class DiffGroups {
    private final Describer describer;
    private final HeapSnapshot s;
    private final DiffChains chains;

    DiffGroups(Describer describer) {
        this.describer = describer;
        this.s = describer.graph().snapshot();
        this.chains = new DiffChains(describer);
    }

    /**
     * Classes grouped by class alone: the engine's own code and metadata (compiled code, hidden classes, feedback),
     * whose chains name one function each, so that by chain every such object would be a group of its own.
     */
    static boolean byClassAlone(String className) {
        return className.equals("(compiled code)") || className.equals("(system)");
    }

    String signature(int node) {
        return chains.signature(node, BufferGroups.SIGNATURE_STEPS);
    }

    /** Members with one class and signature (null when grouped by class alone), and their running figures. */
    static final class Bucket extends BufferGroups.Members {
        final String className;
        final String signature;

        Bucket(String className, String signature) {
            this.className = className;
            this.signature = signature;
        }
    }

    /**
     * Buckets {@code members[0 … count - 1]}, largest total first. {@code classOf}/{@code classNames} give each
     * node's class; null groups by signature alone (backing stores, whose class is always the same).
     */
    List<Bucket> bucket(int[] members, int count, int[] classOf, String[] classNames) {
        Map<Object, Bucket> byKey = new HashMap<>();
        for (int i = 0; i < count; i++) {
            int node = members[i];
            String className = classOf == null ? null : classNames[classOf[node]];
            boolean alone = className != null && byClassAlone(className);
            Object key = alone ? className : classOf == null ? chains.signatureKey(node)
                    : new ClassKey(classOf[node], chains.signatureKey(node));
            Bucket b = byKey.get(key);
            if (b == null) {
                b = new Bucket(className == null ? describer.classKey(node) : className, alone ? null : signature(node));
                byKey.put(key, b);
            }
            b.add(node, s.selfSize(node));
        }
        List<Bucket> sorted = new ArrayList<>(byKey.values());
        sorted.sort(Comparator.comparingLong((Bucket b) -> b.total).reversed()
                .thenComparing(Comparator.comparingInt((Bucket b) -> b.count).reversed())
                .thenComparing(b -> b.className + '\0' + b.signature));
        return sorted;
    }

    private record ClassKey(int classId, DiffChains.SignatureKey signature) {
    }

    /** Per-signature count and bytes of {@code members}, in signature order. */
    Map<String, DiffTotals> totals(int[] members) {
        Map<String, DiffTotals> out = new LinkedHashMap<>();
        for (Bucket b : bucket(members, members.length, null, null)) {
            out.put(b.signature, new DiffTotals(b.count, b.total));
        }
        return out;
    }

    /**
     * The retained size of each bucket of every list, in order: bytes freed if all its members went, counting a
     * member once even when another member dominates it. One walk over the dominator tree for all buckets.
     */
    long[] retained(List<List<Bucket>> lists) {
        HeapGraph graph = describer.graph();
        int[] groupOf = new int[s.nodeCount()];
        int groups = 0;
        for (List<Bucket> list : lists) {
            groups += list.size();
        }
        Arrays.fill(groupOf, groups); // one more group for every node outside the buckets
        int g = 0;
        for (List<Bucket> list : lists) {
            for (Bucket b : list) {
                for (int i = 0; i < b.count; i++) {
                    groupOf[b.nodes[i]] = g;
                }
                g++;
            }
        }
        return Arrays.copyOf(ClassSummary.retainedByClass(graph, groupOf, groups + 1), groups);
    }

    /** The bucket as a group of the report: one member's chain, how many share it, the common dominator. */
    BufferGroup describe(Bucket b) {
        return BufferGroups.describe(describer, new RetainerChains(describer), chains::fullKey,
                new DominatorTree(describer.graph()), b);
    }

    int root() {
        return describer.graph().root();
    }

    /** The lowest node that dominates every member of the buckets. */
    int commonDominator(List<Bucket> buckets) {
        int count = 0;
        for (Bucket b : buckets) {
            count += b.count;
        }
        int[] nodes = new int[count];
        int at = 0;
        for (Bucket b : buckets) {
            System.arraycopy(b.nodes, 0, nodes, at, b.count);
            at += b.count;
        }
        return new DominatorTree(describer.graph()).commonDominator(nodes, count);
    }

    /** A node as a verdict names it, with the edge and node that hold it: {@code (array) @12 (table of Map @11)}. */
    String holder(int node) {
        RetainerChains.Path path = new RetainerChains(describer).path(node, 2);
        String label = describer.ref(node).label();
        if (path.length() < 2) {
            return label;
        }
        return label + " (" + describer.edgeName(path.edges()[1]) + " of " + describer.ref(path.nodes()[1]).label() + ")";
    }
}
