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
 * Groups a set of nodes of one snapshot, for {@code analyze}, {@code diff} and {@code explore} alike: by the
 * signature of the nearest steps of their retainer chains ({@link BufferGroups#SIGNATURE_STEPS}, ids, indexes and
 * collection keys left out), and for other objects by class too; then describes each group with its holder
 * ({@link Holders}). Signatures come from {@link ChainSignatures}, so grouping costs a step or two a member whatever
 * holds it.
 */
final class MemberGroups {
    private final Describer describer;
    private final HeapSnapshot s;
    private final ChainSignatures chains;
    private final Holders holders;
    private final RetainerChains paths;
    private final DominatorTree tree;
    private final int internalEdge;
    private final int syntheticType;

    MemberGroups(Describer describer) {
        this.describer = describer;
        this.s = describer.graph().snapshot();
        this.chains = new ChainSignatures(describer);
        this.holders = new Holders(describer, chains);
        this.paths = new RetainerChains(describer);
        this.tree = new DominatorTree(describer.graph());
        this.internalEdge = s.meta().edgeType("internal");
        this.syntheticType = s.meta().nodeType("synthetic");
    }

    /**
     * Classes grouped by class alone: the engine's own code and metadata (compiled code, hidden classes, feedback),
     * whose chains name one function each, so that by chain every such object would be a group of its own.
     */
    static boolean byClassAlone(String className) {
        return className.equals("(compiled code)") || className.equals("(system)");
    }

    /**
     * Groups {@code members} by signature, merges the groups one collection holds, and describes the {@code top}
     * largest by total bytes.
     */
    List<BufferGroup> group(int[] members, int top) {
        List<BufferGroup> groups = new ArrayList<>();
        List<Merged> all = merged(members);
        for (Merged m : all.subList(0, Math.min(top, all.size()))) {
            groups.add(describe(m.members(), m.holding()));
        }
        return groups;
    }

    /** Members grouped and merged by holder, with the holding (null beyond the groups looked at). */
    record Merged(BufferGroups.Members members, Holders.Holding holding) {
    }

    /** Groups {@code members} by signature and merges the groups one collection holds, largest first. */
    List<Merged> merged(int[] members) {
        List<Bucket> buckets = bucket(members, members.length, null, null);
        Holders.Holding[] holdings = holders.find(buckets.subList(0, Math.min(BufferGroups.HOLDER_CANDIDATES,
                buckets.size())));
        Map<BufferGroups.Members, Holders.Holding> holdingOf = new HashMap<>();
        List<Merged> out = new ArrayList<>();
        for (BufferGroups.Members m : mergeByHolder(buckets, holdings, holdingOf)) {
            out.add(new Merged(m, holdingOf.get(m)));
        }
        return out;
    }

    /**
     * Merges the buckets that one collection holds with members of one class, largest first; {@code holdingOf}
     * receives each result's holding (null beyond the buckets looked at). A bucket joins a collection found for a
     * larger bucket of its class when that collection holds its member's step, whatever its own holding: a MEMFS
     * file whose nearest chain runs through its open stream or its directory is still one of the name table's.
     */
    private List<BufferGroups.Members> mergeByHolder(List<Bucket> buckets, Holders.Holding[] holdings,
                                                     Map<BufferGroups.Members, Holders.Holding> holdingOf) {
        Map<Key, BufferGroups.Members> byCollection = new LinkedHashMap<>();
        Map<Key, Holders.Holding> holdingByKey = new LinkedHashMap<>();
        List<BufferGroups.Members> out = new ArrayList<>();
        for (int i = 0; i < buckets.size(); i++) { // largest first: a bucket joins a larger one's collection
            Bucket b = buckets.get(i);
            Holders.Holding h = i < holdings.length ? holdings[i] : null;
            Key key = i < ATTACH_CANDIDATES ? attachable(i, b, holdingByKey, holdings.length) : null;
            if (key == null && h != null && h.collection() >= 0) {
                key = new Key(h.collection(), b.className);
                if (!byCollection.containsKey(key)) {
                    byCollection.put(key, b);
                    holdingByKey.put(key, h);
                }
            }
            BufferGroups.Members into = key == null ? b : byCollection.get(key);
            if (into == b) {
                out.add(b);
                holdingOf.put(b, key == null ? h : holdingByKey.get(key));
            } else {
                into.addAll(b, s);
            }
        }
        out.sort(Comparator.comparingLong((BufferGroups.Members m) -> m.total).reversed()
                .thenComparing(Comparator.comparingInt((BufferGroups.Members m) -> m.count).reversed()));
        return out;
    }

    /**
     * Whether the collection holds, directly, a node of the step's own class that holds the step: the head of a
     * hash bucket, when the step is a file behind it (whose nearest chain runs through its own stream instead).
     */
    private boolean holdsLink(int index, int representative, Holders.Holding h) {
        int step = holders.steps(representative)[h.step() - 1];
        if (step < 0) {
            return false;
        }
        for (int owner : holders.owners(index, h.step())) {
            if (describer.valueClass(owner) == describer.valueClass(step) && edgeBetween(h.collection(), owner) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** A collection and the class of the members it holds: what merged groups share. */
    private record Key(int collection, String memberClass) {
    }

    /** Buckets (largest first) that may join a collection found for another. */
    private static final int ATTACH_CANDIDATES = 4 * BufferGroups.HOLDER_CANDIDATES;

    /**
     * The collection of {@code b}'s class that holds its representative's step, or null: by the holder search's hits
     * for the buckets it looked at ({@code index} below {@code searched}: directly or through a list), else by a
     * direct edge.
     */
    private Key attachable(int index, Bucket b, Map<Key, Holders.Holding> holdingByKey, int searched) {
        int representative = BufferGroups.largest(s, b.nodes, b.count);
        int[] steps = null;
        for (Map.Entry<Key, Holders.Holding> e : holdingByKey.entrySet()) {
            Holders.Holding h = e.getValue();
            if (!e.getKey().memberClass().equals(b.className)) {
                continue;
            }
            if (index < searched) {
                if (holders.holds(index, h.step(), h.collection()) || holdsLink(index, representative, h)) {
                    return e.getKey();
                }
                continue;
            }
            steps = steps == null ? holders.steps(representative) : steps;
            int step = steps[h.step() - 1];
            if (step >= 0 && edgeBetween(h.collection(), step) >= 0) {
                return e.getKey();
            }
        }
        return null;
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

    private record ClassKey(int classId, ChainSignatures.SignatureKey signature) {
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

    /** Buckets as groups of the report (see {@link #describe(BufferGroups.Members, Holders.Holding)}). */
    List<BufferGroup> describe(List<Bucket> buckets) {
        List<Bucket> bySignature = buckets.stream().filter(b -> b.signature != null).toList();
        Holders.Holding[] holdings = holders.find(bySignature);
        List<BufferGroup> out = new ArrayList<>();
        for (Bucket b : buckets) { // the engine's code, grouped by class alone, has no holder to name
            out.add(b.signature == null ? describe(b, null, false) : describe(b, holdings[bySignature.indexOf(b)], true));
        }
        return out;
    }

    /**
     * Members as a group of the report: one member's chain (through the holder when its nearest chain does not
     * pass it), how many share it, the common dominator, the holder, what else holds them, and a few keys.
     */
    BufferGroup describe(BufferGroups.Members m, Holders.Holding h) {
        return describe(m, h, true);
    }

    /** As {@link #describe(BufferGroups.Members, Holders.Holding)}; without {@code withHolder}, no holder at all. */
    private BufferGroup describe(BufferGroups.Members m, Holders.Holding h, boolean withHolder) {
        int[] nodes = BufferGroups.representativeFirst(s, m);
        // the member shown: of the largest, the one whose whole chain most members share (not one reached through
        // its own stream when the rest are reached through the table)
        long[] keys = new long[nodes.length];
        Map<Long, Integer> keyCounts = new HashMap<>();
        for (int i = 0; i < nodes.length; i++) {
            keys[i] = chains.fullKey(nodes[i]);
            keyCounts.merge(keys[i], 1, Integer::sum);
        }
        int shown = 0;
        for (int i = 1; i < nodes.length; i++) {
            if (s.selfSize(nodes[i]) == s.selfSize(nodes[0]) && keyCounts.get(keys[i]) > keyCounts.get(keys[shown])) {
                shown = i;
            }
        }
        int representative = nodes[shown];
        int sharing = keyCounts.get(keys[shown]);
        boolean held = h != null && h.collection() >= 0;
        RetainerChains.Path path = paths.path(representative);
        if (held && indexOf(path, h.holder()) < 0) {
            path = pathThrough(representative, h, path);
        }
        HeapGraph graph = describer.graph();
        int dominator = tree.commonDominator(nodes, nodes.length);
        if (nodes.length == 1 && dominator == nodes[0] && graph.dominator(dominator) >= 0) {
            dominator = graph.dominator(dominator); // a lone member: what holds it, not itself
        }
        int holder = held ? h.holder() : withHolder ? loneHolder(path, dominator, nodes.length) : -1;
        String also = held && !dominates(h.collection(), nodes) ? h.also() : null;
        return new BufferGroup(m.count, m.min == m.max ? m.min : null, m.min, m.max, m.total, paths.steps(path), sharing,
                describer.ref(dominator), indexOf(path, dominator), holder < 0 ? null : describer.ref(holder),
                holder < 0 ? -1 : indexOf(path, holder), holder < 0 ? 0 : held ? h.collections() : 1, also, also == null ? 0 : scaled(h.alsoCount(), h, m.count),
                held ? keys(h, entries(h, nodes)) : List.of(), allocations().of(nodes, nodes.length));
    }

    /** The entries the collection holds for the first members: their steps at the holding's step. */
    private int[] entries(Holders.Holding h, int[] nodes) {
        int[] out = new int[Math.min(nodes.length, KEYS * 4)];
        for (int i = 0; i < out.length; i++) {
            out[i] = holders.steps(nodes[i])[h.step() - 1];
        }
        return out;
    }

    Holders holders() {
        return holders;
    }

    private Allocations allocations;

    /** Where members were allocated, when the snapshot says. */
    Allocations allocations() {
        if (allocations == null) {
            allocations = new Allocations(describer.graph());
        }
        return allocations;
    }

    List<ChainStep> steps(RetainerChains.Path path) {
        return paths.steps(path);
    }

    /** A member's chain through a collection that holds it directly: the member, the collection, its chain. */
    RetainerChains.Path pathVia(int member, int collection) {
        int edge = edgeBetween(collection, member);
        if (edge < 0) {
            return paths.path(member);
        }
        RetainerChains.Path above = paths.path(collection);
        int[] nodes = new int[above.length() + 1];
        int[] edges = new int[above.length() + 1];
        nodes[0] = member;
        edges[0] = -1;
        System.arraycopy(above.nodes(), 0, nodes, 1, above.length());
        System.arraycopy(above.edges(), 0, edges, 1, above.length());
        edges[1] = edge;
        return new RetainerChains.Path(nodes, edges);
    }

    /** A count of sampled members as a count of all. */
    private static int scaled(int sampledCount, Holders.Holding h, int all) {
        return h.sampled() >= all ? sampledCount : (int) Math.round((double) sampledCount * all / h.sampled());
    }

    /**
     * Where no collection holds a group (one member, or members held apart): the common dominator when it is an
     * object of the program; else, for one member, the first such object on the chain above the member's own
     * structure (never the root, nor the member's own ArrayBuffer or view); else none: members held apart, each by
     * an object of its own, have no one holder to name (one member's would be a guess).
     */
    private int loneHolder(RetainerChains.Path path, int dominator, int members) {
        HeapGraph graph = describer.graph();
        int start = 1;
        while (start < path.length() && ownStructure(path, start)) {
            start++; // backing_store in ArrayBuffer, buffer in Uint8Array: the member's own parts
        }
        int at = indexOf(path, dominator);
        if (dominator != graph.root() && s.nodeType(dominator) != syntheticType && at >= start) {
            return holders.climb(dominator);
        }
        return members == 1 && start < path.length() ? holders.climb(path.nodes()[start]) : -1;
    }

    /** Whether step {@code i} of a path is part of the member's own structure: an internal edge with a plain name. */
    private boolean ownStructure(RetainerChains.Path path, int i) {
        int e = path.edges()[i];
        return s.edgeType(e) == internalEdge && !describer.isKeyedEntry(e);
    }

    /** Whether {@code node} dominates every one of {@code nodes}. */
    private boolean dominates(int node, int[] nodes) {
        int lca = tree.commonDominator(nodes, nodes.length);
        for (int v = lca; v != HeapGraph.NO_DOMINATOR; v = describer.graph().dominator(v)) {
            if (v == node) {
                return true;
            }
        }
        return false;
    }

    static int indexOf(RetainerChains.Path path, int node) {
        for (int i = 0; i < path.length(); i++) {
            if (path.nodes()[i] == node) {
                return i;
            }
        }
        return -1;
    }

    /** The member's chain up to the step its collection holds, then the collection and the collection's chain. */
    private RetainerChains.Path pathThrough(int member, Holders.Holding h, RetainerChains.Path nearest) {
        int step = holders.steps(member)[h.step() - 1];
        int cut = indexOf(nearest, step);
        int edge = edgeBetween(h.collection(), step);
        if (cut < 0 || edge < 0) {
            return nearest;
        }
        RetainerChains.Path above = paths.path(h.collection());
        int length = cut + 1 + above.length();
        int[] nodes = Arrays.copyOf(nearest.nodes(), length);
        int[] edges = Arrays.copyOf(nearest.edges(), length);
        System.arraycopy(above.nodes(), 0, nodes, cut + 1, above.length());
        System.arraycopy(above.edges(), 0, edges, cut + 1, above.length());
        edges[cut + 1] = edge;
        return new RetainerChains.Path(nodes, edges);
    }

    /** A retaining edge of {@code owner} to {@code to}, or -1. */
    private int edgeBetween(int owner, int to) {
        for (int e = s.firstEdge(owner), end = s.endEdge(owner); e < end; e++) {
            if (s.edgeTo(e) == to && describer.graph().rule().retains(owner, e)) {
                return e;
            }
        }
        return -1;
    }

    /** How many keys a group shows, and how much of each. */
    static final int KEYS = 3;
    private static final int KEY_BYTES = 40;

    /**
     * A few of the collection's keys for the members: a dictionary's property names, a Map's keys (the entry before
     * the value in its table), a WeakMap's key objects (named in the ephemeron edge); none for arrays and Sets.
     */
    List<String> keys(Holders.Holding h, int[] entries) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < entries.length && keys.size() < KEYS; i++) {
            int step = entries[i];
            int e = step < 0 ? -1 : edgeBetween(h.collection(), step);
            String key = e < 0 ? null : key(h, e);
            if (key != null && !keys.contains(key)) {
                keys.add(key);
            }
        }
        return keys;
    }

    private String key(Holders.Holding h, int edge) {
        if (!describer.isKeyedEntry(edge)) {
            return null;
        }
        String name = describer.edgeName(edge);
        if (s.edgeType(edge) != internalEdge) {
            return name; // a dictionary's property
        }
        int of = name.indexOf("part of key (");
        if (of >= 0) {
            int close = name.indexOf(')', of);
            return close > of ? name.substring(of + "part of key (".length(), close) : null;
        }
        if (!s.nodeName(h.holder()).equals("Map")) {
            return null;
        }
        int slot;
        try {
            slot = Integer.parseInt(name.strip());
        } catch (NumberFormatException e) {
            return null;
        }
        String keyName = Integer.toString(slot - 1);
        for (int e = s.firstEdge(h.collection()), end = s.endEdge(h.collection()); e < end; e++) {
            if (s.edgeType(e) == internalEdge && describer.edgeName(e).equals(keyName)) {
                int k = s.edgeTo(e);
                return describer.isString(k) ? "\"" + Describer.escape(describer.stringText(k, KEY_BYTES)) + "\""
                        : describer.ref(k).label();
            }
        }
        return null;
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

    /** A node as a verdict names it, past internal nodes, with the edge and node that hold it: {@code Map @11 (cache of Object @10)}. */
    String holder(int node) {
        node = holders.climb(node); // a Map's table is named as its Map
        RetainerChains.Path path = new RetainerChains(describer).path(node, 2);
        String label = describer.ref(node).label();
        if (path.length() < 2) {
            return label;
        }
        return label + " (" + describer.edgeName(path.edges()[1]) + " of " + describer.ref(path.nodes()[1]).label() + ")";
    }
}
