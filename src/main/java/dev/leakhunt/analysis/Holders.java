package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.graph.RetentionRule;
import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.LongList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The holders of groups of members: for each group, the accumulation point, the one object that holds the
 * members as a collection holds its entries (after Eclipse MAT's Leak Suspects, which looks for a big retained
 * size that splits into many similar children), and what else holds them.
 *
 * <p>The dominator tree alone cannot say it: members that are also held by a native handle or a timer list have
 * the root as their common dominator. Nor can one chain: the nearest path may run through the timer list rather
 * than through the user's Map. So, for each step {@code k} above a member ({@code x[k]}: the k-th node of its
 * chain, links of lists skipped as {@link ChainSignatures#isLink} does), every retainer of {@code x[k]} is looked
 * at, and the node that holds that step of the most members is found. The lowest step at which one node holds at
 * least half of the members (and two) is where they accumulate: a Map's table holds the Buffers at step 2, the
 * outer array of rows of typed arrays holds the rows at step 3. Its other retainers at that step are what else holds
 * them ("also held by 30 × Timeout"). The graph's root and synthetic nodes (GC-root categories) are never a holder.
 *
 * <p>One pass over all edges serves every group; a group's members are sampled evenly down to {@value #SAMPLE}.
 */
final class Holders {
    /**
     * How many steps above a member the accumulation point is looked for: enough for a string in a request's rows,
     * kept by a closure in a Map (cons string, cons string, row, rows, request, context, closure, the Map's table).
     */
    static final int STEPS = 10;
    /**
     * From this many collections of one class on, they are records of the leak (a request's rows), not where it
     * accumulates: what holds them all, higher up, is the holder.
     */
    private static final int MANY_COLLECTIONS = 16;
    /** Members per group looked at; counts are of these. */
    static final int SAMPLE = 1024;
    /** How far a holder climbs past internal nodes (a Map's table to the Map) to a node a person can act on. */
    private static final int CLIMB = 8;

    /**
     * Where a group accumulates. {@code collection} is the node holding the members' step {@code step} (a Map's
     * hash table), {@code holder} the node to act on above it (the Map), or both -1 when no node holds half the
     * members; {@code held} counts the sampled members it holds, of {@code sampled}. {@code also} is the class of
     * the other holders of that step that hold the most members ({@code alsoCount} of them), or null.
     */
    record Holding(int collection, int holder, int step, int held, int sampled, String also, int alsoCount,
                   int collections) {
        static Holding none(int sampled) {
            return new Holding(-1, -1, -1, 0, sampled, null, 0, 0);
        }

        /** One collection that holds every member, with {@code collections} 1; see {@link Holders}. */
        static Holding of(int collection, int holder, int step) {
            return new Holding(collection, holder, step, 0, 0, null, 0, 1);
        }

        Holding withAlso(String also, int alsoCount) {
            return new Holding(collection, holder, step, held, sampled, also, alsoCount, collections);
        }
    }

    private final Describer describer;
    private final HeapGraph graph;
    private final HeapSnapshot s;
    private final ChainSignatures signatures;
    private final int syntheticType;
    private final int nativeType;
    private final int hiddenType;
    private final int arrayType;
    private final int codeType;
    private final int closureType;
    private final int shapeType;

    Holders(Describer describer, ChainSignatures signatures) {
        this.describer = describer;
        this.graph = describer.graph();
        this.s = graph.snapshot();
        this.signatures = signatures;
        var m = s.meta();
        syntheticType = m.nodeType("synthetic");
        nativeType = m.nodeType("native");
        hiddenType = m.nodeType("hidden");
        arrayType = m.nodeType("array");
        codeType = m.nodeType("code");
        closureType = m.nodeType("closure");
        shapeType = m.nodeType("object shape");
        systemName = new byte[s.strings().size()];
    }

    /** The holding of each group, in order; the group's representative (its largest member) is read first. */
    Holding[] find(List<? extends BufferGroups.Members> groups) {
        int n = groups.size();
        // steps[g][i * STEPS + k - 1]: step k (1…STEPS) above sampled member i of group g, or -1
        int[][] steps = new int[n][];
        int[] sampled = new int[n];
        long entries = 0;
        for (int g = 0; g < n; g++) {
            int[] members = BufferGroups.representativeFirst(s, groups.get(g));
            sampled[g] = Math.min(members.length, SAMPLE);
            steps[g] = new int[sampled[g] * STEPS];
            for (int i = 0; i < sampled[g]; i++) {
                int member = members[(int) ((long) i * members.length / sampled[g])];
                fillSteps(member, steps[g], i * STEPS);
            }
            entries += steps[g].length;
        }
        long[] byNode = new long[(int) entries]; // node << 32 | entry, entry = (g, i, k) flattened
        int[] entryBase = new int[n + 1];
        int at = 0;
        for (int g = 0; g < n; g++) {
            entryBase[g] = at;
            for (int j = 0; j < steps[g].length; j++, at++) {
                byNode[at] = (long) steps[g][j] << 32 | at;
            }
        }
        entryBase[n] = at;
        Arrays.sort(byNode);
        long[] hits = hits(byNode, entryBase, steps);
        lastHits = hits;
        Holding[] out = new Holding[n];
        for (int g = 0; g < n; g++) {
            out[g] = choose(g, hits, steps[g], sampled[g]);
        }
        return out;
    }

    /** The hits of the last {@link #find}, for {@link #holds}. */
    private long[] lastHits = new long[0];

    /**
     * Whether, in the last {@link #find}, {@code owner} holds step {@code step} (1-based) of group {@code group}'s
     * representative: by a retaining edge, through a list it holds, or as the next node of its chain.
     */
    boolean holds(int group, int step, int owner) {
        long key = (long) (group * STEPS + step - 1) << 41 | (long) owner << 10;
        int at = lowerBound(lastHits, key);
        return at < lastHits.length && lastHits[at] == key;
    }

    /** The nodes that, in the last {@link #find}, hold step {@code step} (1-based) of group {@code group}'s members. */
    int[] owners(int group, int step) {
        long slot = group * STEPS + step - 1;
        int from = lowerBound(lastHits, slot << 41);
        int to = lowerBound(lastHits, (slot + 1) << 41);
        int[] out = new int[to - from];
        int n = 0;
        for (int j = from; j < to; j++) {
            int owner = (int) (lastHits[j] >>> 10 & 0x7FFFFFFFL);
            if (n == 0 || out[n - 1] != owner) {
                out[n++] = owner;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** The {@value #STEPS} steps above a member (see {@link #fillSteps}). */
    int[] steps(int member) {
        int[] out = new int[STEPS];
        fillSteps(member, out, 0);
        return out;
    }

    /** The steps above a member: its chain's nodes, links of lists skipped, until the root (then -1). */
    private void fillSteps(int member, int[] into, int offset) {
        int x = member;
        for (int k = 0; k < STEPS; k++) {
            x = x < 0 ? -1 : next(x);
            into[offset + k] = x;
        }
    }

    /** The holder of a node on its chain, over links of lists; -1 at the root. */
    private int next(int node) {
        int x = node;
        for (int guard = 0; guard < 1 << 16; guard++) {
            int e = graph.nearestEdge(x);
            int holder = e < 0 ? -1 : s.edgeOwner(e);
            if (holder < 0 || holder == graph.root()) {
                return -1;
            }
            if (!signatures.isLink(e, x, holder)) {
                return holder;
            }
            x = holder;
        }
        return -1;
    }

    /**
     * Every (group, step, holder, member) where the holder holds the member's step: by a retaining edge (one pass
     * over all edges, nodes looked up in the sorted entries), or as the next step of the member's own chain. Packed
     * as {@code slot << 41 | holder << 10 | member}, slot = g × STEPS + k − 1; sorted, without repeats.
     */
    private long[] hits(long[] byNode, int[] entryBase, int[][] steps) {
        long[] marked = new long[(s.nodeCount() >> 6) + 1];
        for (long key : byNode) {
            int node = (int) (key >> 32);
            if (node >= 0) {
                marked[node >> 6] |= 1L << node;
            }
        }
        // The pass over the edges, in two halves by edge count: the second on another core.
        long half = (long) s.firstEdge(s.nodeCount()) / 2;
        int low = 0;
        int high = s.nodeCount();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (s.firstEdge(mid) < half) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        int split = low;
        CompletableFuture<LongList> upper = CompletableFuture.supplyAsync(
                () -> scan(split, s.nodeCount(), marked, byNode, entryBase, steps));
        LongList hits = scan(0, split, marked, byNode, entryBase, steps);
        hits.addAll(upper.join());
        for (int g = 0; g + 1 < entryBase.length; g++) {
            for (int entry = entryBase[g]; entry < entryBase[g + 1]; entry++) {
                addHit(hits, entry, -1, entryBase, steps, true);
            }
        }
        long[] sorted = hits.toArray();
        Arrays.sort(sorted);
        int kept = 0;
        for (int j = 0; j < sorted.length; j++) {
            if (j == 0 || sorted[j] != sorted[j - 1]) {
                sorted[kept++] = sorted[j];
            }
        }
        return Arrays.copyOf(sorted, kept);
    }

    /** The hits of the edges of nodes {@code from … to - 1}. */
    private LongList scan(int from, int to, long[] marked, long[] byNode, int[] entryBase, int[][] steps) {
        LongList hits = new LongList();
        RetentionRule rule = graph.rule();
        for (int owner = from; owner < to; owner++) {
            for (int e = s.firstEdge(owner), end = s.endEdge(owner); e < end; e++) {
                int target = s.edgeTo(e);
                if ((marked[target >> 6] & 1L << target) == 0 || !rule.retains(owner, e)) {
                    continue;
                }
                int first = lowerBound(byNode, (long) target << 32);
                // a link of a list (a file behind another in its hash bucket) counts for what holds the list
                int listHolder = signatures.isLink(e, target, owner) ? next(owner) : -1;
                for (int j = first; j < byNode.length && (int) (byNode[j] >> 32) == target; j++) {
                    addHit(hits, (int) byNode[j], owner, entryBase, steps, false);
                    if (listHolder >= 0) {
                        addHit(hits, (int) byNode[j], listHolder, entryBase, steps, false);
                    }
                }
            }
        }
        return hits;
    }

    private void addHit(LongList hits, int entry, int owner, int[] entryBase, int[][] steps, boolean chainStep) {
        int g = Arrays.binarySearch(entryBase, entry); // every group has a member, so the bases strictly rise
        g = g >= 0 ? g : -g - 2;
        int j = entry - entryBase[g];
        int member = j / STEPS;
        int k = j % STEPS; // 0-based step
        int[] st = steps[g];
        if (chainStep) {
            owner = k + 1 < STEPS ? st[j + 1] : -1;
            if (owner < 0 || st[j] < 0) {
                return;
            }
        } else {
            for (int below = member * STEPS; below < j; below++) {
                if (st[below] == owner) {
                    return; // a cycle inside the member's own structure, not another holder
                }
            }
            if (owner == st[j]) {
                return;
            }
        }
        hits.add((long) (g * STEPS + k) << 41 | (long) owner << 10 | member);
    }

    /**
     * The lowest step at which one holder holds at least half of the sampled members (and two); or, where no one
     * node does, nodes of one class (see {@link #byClass}), unless one node holds those at the next step.
     */
    private Holding choose(int g, long[] hits, int[] steps, int sampled) {
        if (sampled < 2) {
            return Holding.none(sampled);
        }
        int need = Math.max(2, (sampled + 1) / 2);
        for (int k = 0; k < STEPS; k++) {
            Holding one = single(g, hits, steps, k, sampled, need);
            if (one != null) {
                return one;
            }
            Holding spread = byClass(g, hits, steps, k, sampled, need);
            if (spread != null) {
                // collections that one collection holds in turn (rows of an array) are its entries: it is the holder;
                // and many collections of one class are the leak's own records, held all together further up
                int highest = spread.collections() >= MANY_COLLECTIONS ? STEPS - 1 : k + 1;
                for (int up = k + 1; up <= highest && up < STEPS; up++) {
                    Holding outer = single(g, hits, steps, up, sampled, need);
                    if (outer != null) {
                        return outer;
                    }
                }
                return spread;
            }
        }
        return Holding.none(sampled);
    }

    /** The node that holds step {@code k} (0-based) of at least {@code need} members, or null. */
    private Holding single(int g, long[] hits, int[] steps, int k, int sampled, int need) {
        long slot = g * STEPS + k;
        int from = lowerBound(hits, slot << 41);
        int to = lowerBound(hits, (slot + 1) << 41);
        int onChain = k + 1 < STEPS ? steps[k + 1] : -1;
        int best = -1;
        int bestCount = 0;
        for (int j = from; j < to; ) {
            int owner = (int) (hits[j] >>> 10 & 0x7FFFFFFFL);
            int c = 0;
            while (j < to && (int) (hits[j] >>> 10 & 0x7FFFFFFFL) == owner) {
                c++;
                j++;
            }
            if (canHold(owner) && (c > bestCount || c == bestCount && owner == onChain)) {
                best = owner;
                bestCount = c;
            }
        }
        return bestCount < need ? null
                : also(new Holding(best, climb(best), k + 1, bestCount, sampled, null, 0, 1), hits, from, to, steps, k);
    }

    /**
     * When no one node holds half of the members at step {@code k}: whether nodes of one class do, two or more of
     * them, each holding two members or more on average (a Map per connection, a MEMFS table per module instance).
     * The collection named is the representative's own of that class; {@code collections} says how many there are.
     * Null when none does.
     */
    private Holding byClass(int g, long[] hits, int[] steps, int k, int sampled, int need) {
        long slot = g * STEPS + k;
        int from = lowerBound(hits, slot << 41);
        int to = lowerBound(hits, (slot + 1) << 41);
        Map<String, Set<Integer>> members = new HashMap<>();
        Map<String, Set<Integer>> owners = new HashMap<>();
        for (int j = from; j < to; j++) {
            int owner = (int) (hits[j] >>> 10 & 0x7FFFFFFFL);
            if (canHold(owner)) {
                String label = describer.classKey(owner);
                members.computeIfAbsent(label, x -> new HashSet<>()).add((int) (hits[j] & 0x3FF));
                owners.computeIfAbsent(label, x -> new HashSet<>()).add(owner);
            }
        }
        String best = null;
        for (Map.Entry<String, Set<Integer>> e : members.entrySet()) {
            int held = e.getValue().size();
            int count = owners.get(e.getKey()).size();
            if (held >= need && count >= 2 && held >= 2 * count && (best == null || held > members.get(best).size())) {
                best = e.getKey();
            }
        }
        if (best == null) {
            return null;
        }
        int onChain = k + 1 < STEPS ? steps[k + 1] : -1;
        int collection = owners.get(best).contains(onChain) ? onChain : owners.get(best).iterator().next();
        Holding h = new Holding(collection, climb(collection), k + 1, members.get(best).size(), sampled, null, 0,
                owners.get(best).size());
        return also(h, hits, from, to, steps, k);
    }

    private boolean dominatedBy(int node, int ancestor) {
        for (int v = node; v != HeapGraph.NO_DOMINATOR; v = graph.dominator(v)) {
            if (v == ancestor) {
                return true;
            }
        }
        return false;
    }

    /**
     * Not the root, not a synthetic GC-root category, not the embedder's own bookkeeping ({@code native} nodes such
     * as {@code Node / CleanupQueue}, which lists every handle): nothing a program frees things from.
     */
    boolean canHold(int node) {
        return node != graph.root() && s.nodeType(node) != syntheticType && s.nodeType(node) != nativeType;
    }

    /**
     * The other holders of the chosen step, by the class of the first object above each that a person names
     * (a closure's context climbs to the closure, then to the Timeout that holds it); the class holding the most
     * members wins.
     */
    private Holding also(Holding h, long[] hits, int from, int to, int[] steps, int k) {
        Map<String, Set<Integer>> members = new HashMap<>();
        Map<String, Set<Integer>> holders = new HashMap<>();
        Map<String, Integer> shown = new HashMap<>(); // a holder of each class, whose name the report shows
        for (int j = from; j < to; j++) {
            int owner = (int) (hits[j] >>> 10 & 0x7FFFFFFFL);
            int member = (int) (hits[j] & 0x3FF);
            if (owner == h.collection() || owner == h.holder() || dominatedBy(owner, steps[member * STEPS + k])
                    || h.collections() > 1 && describer.classKey(owner).equals(describer.classKey(h.collection()))) {
                continue; // the collection (or one of its class), or a back-reference from inside the member
            }
            int named = climbNamed(owner);
            if (named == h.holder() || named == h.collection()) {
                continue; // the collection's own parts (an array's elements store)
            }
            String label = describer.classKey(named);
            members.computeIfAbsent(label, x -> new HashSet<>()).add(member);
            shown.putIfAbsent(label, named);
            holders.computeIfAbsent(label, x -> new HashSet<>()).add(named);
        }
        String best = null;
        for (Map.Entry<String, Set<Integer>> e : members.entrySet()) {
            if (best == null || e.getValue().size() > members.get(best).size()
                    || e.getValue().size() == members.get(best).size() && e.getKey().compareTo(best) < 0) {
                best = e.getKey();
            }
        }
        if (best == null) {
            return h;
        }
        return h.withAlso(describer.className(shown.get(best)), holders.get(best).size());
    }

    /** Whether a node is the engine's own structure rather than an object of the program (a table, a map). */
    boolean isInternal(int node) {
        int t = s.nodeType(node);
        return t == hiddenType || t == arrayType || t == codeType || t == shapeType || isSystemName(s.nodeNameIndex(node));
    }

    /**
     * Per string index: 0 not yet asked, 1 a {@code system / …} name other than a Context's, 2 any other. Two
     * threads may fill it at once; both write the same value.
     */
    private final byte[] systemName;

    private boolean isSystemName(int nameIndex) {
        if (systemName[nameIndex] == 0) {
            String name = s.strings().get(nameIndex);
            systemName[nameIndex] = (byte) (name.startsWith("system /") && !name.equals("system / Context") ? 1 : 2);
        }
        return systemName[nameIndex] == 1;
    }

    /** From an internal node (a Map's hash table) up its chain to the first object of the program (the Map). */
    int climb(int node) {
        int x = node;
        for (int i = 0; i < CLIMB && isInternal(x); i++) {
            int up = graph.nearestHolder(x);
            if (up < 0 || up == graph.root()) {
                break;
            }
            x = up;
        }
        return x;
    }

    /** As {@link #climb}, also past contexts and closures: what holds a callback (a Timeout, an emitter). */
    private int climbNamed(int node) {
        int x = node;
        for (int i = 0; i < CLIMB && (isInternal(x) || s.nodeType(x) == closureType
                || s.nodeName(x).equals("system / Context")); i++) {
            int up = graph.nearestHolder(x);
            if (up < 0 || up == graph.root()) {
                break;
            }
            x = up;
        }
        return x;
    }

    private static int lowerBound(long[] sorted, long key) {
        int low = 0;
        int high = sorted.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (sorted[mid] < key) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }
}
