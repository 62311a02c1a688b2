package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Leak suspects: what accumulates, of any kind, ranked by how much it holds. After Eclipse MAT's Leak Suspects, a
 * suspect is a collection: one holder whose bytes split into many similar members, not one big object (a single
 * WebAssembly heap is no suspect; thirty database copies beside it are).
 * <ul>
 * <li><b>native</b>: groups of {@code native} nodes with a size (ArrayBuffer backing stores, {@code Node /
 * zlib_memory}, …) of two members or more under one holder ({@link MemberGroups}, {@link Holders}); bytes are the
 * members' own.</li>
 * <li><b>js</b>: collections of JS objects: a node with at least {@value #JS_MEMBERS} entries (elements, hash-table
 * slots, a dictionary's properties) of one class, found in one pass over the nodes that retain at least
 * {@value #CANDIDATE_SHARE_PERCENT}% of the heap; bytes are the members' retained sizes. A collection inside a
 * better-ranked suspect's members is not a suspect of its own.</li>
 * </ul>
 * A native suspect must hold at least {@value #SHARE_PERCENT}% of the snapshot's self size, a JS one
 * {@value #JS_SHARE_PERCENT}% (as MAT's default): a Node process's own tables (its builtin modules, error classes)
 * come to a few percent of a small heap.
 */
final class Suspects {
    static final int JS_MEMBERS = 16;
    static final int SHARE_PERCENT = 2;
    static final int JS_SHARE_PERCENT = 10;
    static final int CANDIDATE_SHARE_PERCENT = JS_SHARE_PERCENT;
    /** Edges read to find a collection's member class; larger collections are sampled evenly. */
    private static final int CLASS_SAMPLE = 512;
    /** How many native groups are described as suspect candidates. */
    private static final int NATIVE_CANDIDATES = 16;

    private final Describer describer;
    private final HeapGraph graph;
    private final HeapSnapshot s;
    private final MemberGroups groups;
    private final Holders holders;
    private final int objectType;
    private final int closureType;
    private final int elementEdge;
    private final int propertyEdge;
    private final int internalEdge;

    /** The scan for collections of JS objects, started on another core by the constructor. */
    private final CompletableFuture<List<long[]>> jsCandidates;

    /**
     * Starts the scan for collections of JS objects on another core; {@link #find} joins it. Create it before
     * grouping the native nodes, which it runs beside.
     */
    Suspects(Describer describer, MemberGroups groups) {
        this.describer = describer;
        this.graph = describer.graph();
        this.s = graph.snapshot();
        this.groups = groups;
        this.holders = groups.holders();
        var m = s.meta();
        objectType = m.nodeType("object");
        closureType = m.nodeType("closure");
        elementEdge = m.edgeType("element");
        propertyEdge = m.edgeType("property");
        internalEdge = m.edgeType("internal");
        long total = Math.max(1, s.totalSelfSize());
        jsCandidates = CompletableFuture.supplyAsync(() -> jsCandidates(total, total * JS_SHARE_PERCENT / 100), r -> {
            Thread t = new Thread(r, "leakhunt-js-suspects"); // not the common pool, which the holder search uses
            t.setDaemon(true);
            t.start();
        });
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** The suspects, best first: native groups from {@code natives}, then collections of JS objects. */
    List<Suspect> find(List<MemberGroups.Merged> natives, int top) {
        long total = Math.max(1, s.totalSelfSize());
        long floor = total * SHARE_PERCENT / 100;
        List<Suspect> found = new ArrayList<>();
        Set<Long> holderIds = new HashSet<>();
        int described = 0;
        for (MemberGroups.Merged m : natives) {
            if (described == NATIVE_CANDIDATES || m.members().total < floor) {
                break;
            }
            if (m.members().count < 2) {
                continue;
            }
            BufferGroup g = groups.describe(m.members(), m.holding());
            described++;
            if (g.holder() == null) {
                continue;
            }
            found.add(new Suspect("native", g.holder(), g.holderStep(), g.holderCount(), g.chain(), g.count(),
                    memberClass(g.memberClass()),
                    g.totalBytes(), (double) g.totalBytes() / total, g.keys(), g.alsoHeldBy(), g.alsoHeldCount(), g,
                    g.allocations()));
            holderIds.add(g.holder().id());
        }
        for (Suspect js : jsCollections(join(jsCandidates), total)) {
            if (holderIds.add(js.holder().id())) {
                found.add(js);
            }
        }
        found.sort(Comparator.comparingLong(Suspect::bytes).reversed());
        return found.subList(0, Math.min(top, found.size()));
    }

    /** How a member class reads in a sentence. */
    static String memberClass(String name) {
        return name.equals(BufferGroups.BACKING_STORE) ? "ArrayBuffer backing store" : name;
    }

    /**
     * The collections of JS objects holding at least {@code floor} bytes, largest first, each
     * {@code {node, memberClass, count, bytes, representative}}. It reads the graph only (no cache of the describer's
     * but the benign one of {@link Holders#isInternal}), so it may run beside the grouping of native nodes.
     */
    private List<long[]> jsCandidates(long total, long floor) {
        long candidateFloor = total * CANDIDATE_SHARE_PERCENT / 100;
        List<long[]> candidates = new ArrayList<>();
        for (int c = 0; c < s.nodeCount(); c++) {
            if (s.endEdge(c) - s.firstEdge(c) < JS_MEMBERS || graph.retainedSize(c) < candidateFloor
                    || c == graph.root() || !holders.canHold(c)) { // the cheapest test first
                continue;
            }
            long[] found = collection(c);
            if (found != null && found[3] >= floor) {
                candidates.add(found);
            }
        }
        candidates.sort(Comparator.comparingLong((long[] f) -> f[3]).reversed());
        return candidates;
    }

    /** Collections of JS objects, best first, nested ones left out. */
    private List<Suspect> jsCollections(List<long[]> candidates, long total) {
        List<Suspect> out = new ArrayList<>();
        Set<Integer> accepted = new HashSet<>();
        Set<Integer> holderNodes = new HashSet<>();
        for (long[] f : candidates) {
            int c = (int) f[0];
            int holder = holders.climb(c);
            if (holder == graph.root() || holders.isInternal(holder) || insideAccepted(c, accepted)
                    || !holderNodes.add(holder)) {
                continue;
            }
            accepted.add(c);
            int member = (int) f[4];
            RetainerChains.Path path = groups.pathVia(member, c);
            Holders.Holding h = Holders.Holding.of(c, holder, 1);
            List<String> keys = groups.keys(h, members(c, f[1]));
            int step = MemberGroups.indexOf(path, holder);
            out.add(new Suspect("js", describer.ref(holder), step, 1, groups.steps(path), f[2], className(member),
                    f[3], (double) f[3] / total, keys, null, 0, null, allocations(c, f[1])));
        }
        return out;
    }

    /** What a member's class reads as: a function as {@code name()}, an object as its constructor. */
    private String className(int node) {
        return s.nodeType(node) == closureType ? describer.displayName(node) : describer.classKey(node);
    }

    /** Whether one of the accepted collections dominates {@code node}: it is part of their members. */
    private boolean insideAccepted(int node, Set<Integer> accepted) {
        for (int v = graph.dominator(node); v != HeapGraph.NO_DOMINATOR; v = graph.dominator(v)) {
            if (accepted.contains(v)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an edge may hold a collection's entry. */
    private boolean entryEdge(int e) {
        int t = s.edgeType(e);
        return t == elementEdge || t == propertyEdge
                || t == internalEdge && s.strings().startsWithDigit(s.edgeNameOrIndex(e));
    }

    /** Whether a node may be a member of a collection of JS objects: an object or a function. */
    private boolean memberType(int node) {
        int t = s.nodeType(node);
        return t == objectType && !holders.isInternal(node) || t == closureType;
    }

    /**
     * The collection at {@code c}: its most frequent member class among its entries (sampled), then how many
     * entries of that class it has and their retained bytes; null when fewer than {@value #JS_MEMBERS}.
     */
    private long[] collection(int c) {
        int first = s.firstEdge(c);
        int end = s.endEdge(c);
        int stride = Math.max(1, (end - first) / CLASS_SAMPLE);
        long[] classes = new long[Math.min(end - first, CLASS_SAMPLE + 1)];
        int n = 0;
        // one edge from each stretch of stride edges, at a place that varies from stretch to stretch: a fixed step
        // would keep in step with a table's layout (a Map's edges alternate key and value) and see only keys
        for (int from = first, i = 0; from < end && n < classes.length; from += stride, i++) {
            int e = from + ((i * 0x9E3779B9) >>> 7) % stride;
            if (e < end && entryEdge(e) && memberType(s.edgeTo(e))) {
                classes[n++] = describer.valueClass(s.edgeTo(e));
            }
        }
        if (n == 0) {
            return null;
        }
        Arrays.sort(classes, 0, n);
        long best = classes[0];
        int bestRun = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j < n && classes[j] == classes[i]) {
                j++;
            }
            if (j - i > bestRun) {
                best = classes[i];
                bestRun = j - i;
            }
            i = j;
        }
        if ((best >>> 32) == closureType && !sameFunction(c, best)) {
            return null; // different functions of one name (a table of error classes), not one made again and again
        }
        long count = 0;
        long bytes = 0;
        int representative = -1;
        for (int e = first; e < end; e++) {
            int to = s.edgeTo(e);
            if (entryEdge(e) && describer.valueClass(to) == best && memberType(to) && graph.rule().retains(c, e)) {
                count++;
                bytes += graph.retainedSize(to);
                if (representative < 0 || graph.retainedSize(to) > graph.retainedSize(representative)) {
                    representative = to;
                }
            }
        }
        return count < JS_MEMBERS ? null : new long[] {c, best, count, bytes, representative};
    }

    /**
     * Whether most sampled closures of this class in {@code c} are instances of one function: they share the
     * target of their {@code shared} edge (the function's SharedFunctionInfo).
     */
    private boolean sameFunction(int c, long memberClass) {
        int[] members = members(c, memberClass, CLASS_SAMPLE);
        long[] shared = new long[members.length];
        for (int i = 0; i < members.length; i++) {
            shared[i] = describer.internal(members[i], "shared");
        }
        Arrays.sort(shared);
        int bestRun = 0;
        for (int i = 0; i < shared.length; ) {
            int j = i;
            while (j < shared.length && shared[j] == shared[i]) {
                j++;
            }
            bestRun = Math.max(bestRun, j - i);
            i = j;
        }
        return bestRun * 2 >= shared.length;
    }

    /** The first members of class {@code memberClass} of collection {@code c}, in edge order. */
    /** The stacks that allocated collection {@code c}'s members of class {@code memberClass}; null without traces. */
    private Allocated allocations(int c, long memberClass) {
        if (!groups.allocations().present()) {
            return null;
        }
        int[] all = members(c, memberClass, s.endEdge(c) - s.firstEdge(c));
        return groups.allocations().of(all, all.length);
    }

    private int[] members(int c, long memberClass) {
        return members(c, memberClass, MemberGroups.KEYS * 4);
    }

    /** The members of class {@code memberClass} of collection {@code c}, in edge order. */
    private int[] members(int c, long memberClass, int most) {
        int[] out = new int[most];
        int n = 0;
        for (int e = s.firstEdge(c), end = s.endEdge(c); e < end && n < out.length; e++) {
            if (entryEdge(e) && describer.valueClass(s.edgeTo(e)) == memberClass) {
                out[n++] = s.edgeTo(e);
            }
        }
        return Arrays.copyOf(out, n);
    }
}
