package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Diffs snapshots of one process by node id (design §3), as three phases so that only one graph is alive at a
 * time: {@link #baseline} keeps of the first snapshot its ids and totals, {@link #interval} keeps of a middle one
 * the ids allocated since the first, and {@link #compare} matches the last snapshot against them.
 *
 * <p>Ids: V8 numbers heap objects (and the native nodes V8 itself describes, such as backing stores) with odd ids
 * that stay with an object as long as V8 keeps its id map: for the life of the process, except that an inspector
 * session that ends clears it ({@code HeapProfiler.disable}), after which ids are handed out afresh and mostly
 * name other objects; {@link DiffIdentity} notices. Embedder nodes ({@code Node / …}) get even ids, and Node
 * creates those afresh for every snapshot, so they cannot be matched and are compared by totals.
 */
public final class Diff {
    /** A verdict names a group only when it holds this share of the growth, and at least {@link #VERDICT_MIN_BYTES}. */
    private static final double VERDICT_SHARE = 0.5;
    private static final long VERDICT_MIN_BYTES = 1L << 20;
    /** How many groups a verdict may name together. */
    private static final int VERDICT_GROUPS = 10;

    private Diff() {
    }

    public static boolean isHeapObjectId(int id) {
        return (id & 1) == 1;
    }

    /** What a diff keeps of its first snapshot. */
    public static DiffBaseline baseline(HeapGraph graph) {
        HeapSnapshot s = graph.snapshot();
        Describer describer = new Describer(graph);
        int[] stores = BufferGroups.backingStores(s);
        MemberGroups groups = new MemberGroups(describer);
        int[] ids = new int[s.nodeCount()];
        int count = 0;
        DiffTotals embedder = DiffTotals.ZERO;
        for (int v = 0; v < s.nodeCount(); v++) {
            if (isHeapObjectId(s.nodeId(v))) {
                ids[count++] = s.nodeId(v);
            } else {
                embedder = embedder.plus(new DiffTotals(1, s.selfSize(v)));
            }
        }
        return new DiffBaseline(info(s, stores), DiffIds.of(ids, count), DiffIdentity.sample(s),
                Classes.of(describer).heapObjectTotals(), groups.totals(stores), embedder);
    }

    /** What a three-snapshot diff keeps of its middle snapshot: the reachable heap objects new since the first. */
    public static DiffInterval interval(DiffBaseline first, HeapGraph middle) {
        HeapSnapshot s = middle.snapshot();
        Match m = new Match(first);
        int[] ids = new int[64];
        int count = 0;
        long bytes = 0;
        for (int v = 0; v < s.nodeCount(); v++) {
            int id = s.nodeId(v);
            if (!isHeapObjectId(id) || m.shared(s, v) || middle.isUnreachable(v)) {
                continue;
            }
            if (count == ids.length) {
                ids = Arrays.copyOf(ids, count * 2);
            }
            ids[count++] = id;
            bytes += s.selfSize(v);
        }
        return new DiffInterval(info(s, BufferGroups.backingStores(s)), DiffIds.of(ids, count),
                new DiffTotals(count, bytes), m.identity());
    }

    /**
     * Matches the last snapshot against the first (and the middle, when {@code interval} is not null) and groups
     * what is new; falls back to comparing totals when the ids do not name the same objects.
     */
    public static DiffResult compare(DiffBaseline first, DiffInterval interval, HeapGraph last, int top, int topClasses) {
        HeapSnapshot s = last.snapshot();
        Describer describer = new Describer(last);
        Classes classes = Classes.of(describer);
        BufferGroups.NativeNodes nativeNodes = BufferGroups.nativeNodes(s);
        int[] stores = nativeNodes.backingStores();
        MemberGroups groups = new MemberGroups(describer);
        List<MemberGroups.Bucket> storeBuckets = groups.bucket(stores, stores.length, null, null);
        List<DiffResult.SnapshotInfo> infos = new ArrayList<>(List.of(first.info()));
        if (interval != null) {
            infos.add(interval.info());
        }
        infos.add(info(s, stores));
        Scan scan = scan(first, interval, last, classes);
        DiffResult.Identity identity = scan.match.identity();
        boolean sameProcess = identity.sameProcess() && (interval == null || interval.identity().sameProcess());
        List<DiffResult.GroupChange> groupChanges = groupChanges(first.bufferGroups(), storeBuckets);
        Map<String, DiffTotals> lastClasses = classes.heapObjectTotals();
        Suspects suspectFinder = new Suspects(describer, groups); // scans for JS collections meanwhile
        List<Suspect> suspects = suspectFinder.find(groups.merged(nativeNodes.sized()), Math.max(top, 1));
        if (!sameProcess) {
            return totals(first, last, groups, storeBuckets, infos, identity, groupChanges, lastClasses,
                    scan.embedder, top, topClasses, suspects);
        }
        return byId(first, interval, groups, classes, infos, identity, groupChanges, lastClasses, scan, top, topClasses,
                suspects);
    }

    /** The nodes of the last snapshot sorted out by id: new members, survivors of the first, embedder nodes. */
    private static final class Scan {
        final Match match;
        int[] newStores = new int[16];
        int storeCount;
        int[] newObjects = new int[256];
        int objectCount;
        DiffTotals unreachable = DiffTotals.ZERO;
        DiffTotals embedder = DiffTotals.ZERO;
        final long[] survivorCount;
        final long[] survivorBytes;

        Scan(Match match, int classes) {
            this.match = match;
            survivorCount = new long[classes];
            survivorBytes = new long[classes];
        }

        void addStore(int node) {
            if (storeCount == newStores.length) {
                newStores = Arrays.copyOf(newStores, storeCount * 2);
            }
            newStores[storeCount++] = node;
        }

        void addObject(int node) {
            if (objectCount == newObjects.length) {
                newObjects = Arrays.copyOf(newObjects, objectCount * 2);
            }
            newObjects[objectCount++] = node;
        }
    }

    private static Scan scan(DiffBaseline first, DiffInterval interval, HeapGraph last, Classes classes) {
        HeapSnapshot s = last.snapshot();
        Scan scan = new Scan(new Match(first), classes.names.length);
        int storeName = s.strings().indexOf(BufferGroups.BACKING_STORE);
        int nativeType = s.meta().nodeType("native");
        for (int v = 0; v < s.nodeCount(); v++) {
            int id = s.nodeId(v);
            long size = s.selfSize(v);
            if (!isHeapObjectId(id)) {
                scan.embedder = scan.embedder.plus(new DiffTotals(1, size));
            } else if (scan.match.shared(s, v)) {
                scan.survivorCount[classes.classOf[v]]++;
                scan.survivorBytes[classes.classOf[v]] += size;
            } else if (interval == null || interval.allocated().contains(id)) {
                if (last.isUnreachable(v)) {
                    scan.unreachable = scan.unreachable.plus(new DiffTotals(1, size));
                } else if (s.nodeNameIndex(v) == storeName && s.nodeType(v) == nativeType) {
                    scan.addStore(v);
                } else {
                    scan.addObject(v);
                }
            }
        }
        return scan;
    }

    /** Counts ids shared with the first snapshot and checks the sampled ones name the same objects. */
    private static final class Match {
        private final DiffBaseline first;
        private final long firstMaxId;
        long shared;
        long checked;
        long agreeing;
        long newIds;
        long newBelowMax;

        Match(DiffBaseline first) {
            this.first = first;
            this.firstMaxId = first.ids().max();
        }

        /** Whether the heap object {@code node} of a later snapshot has an id the first snapshot has. */
        boolean shared(HeapSnapshot later, int node) {
            int id = later.nodeId(node);
            if (!first.ids().contains(id)) {
                newIds++;
                if (Integer.toUnsignedLong(id) < firstMaxId) {
                    newBelowMax++;
                }
                return false;
            }
            shared++;
            if (DiffIdentity.sampled(id)) {
                int agrees = first.identity().check(later, node);
                if (agrees >= 0) {
                    checked++;
                    agreeing += agrees;
                }
            }
            return true;
        }

        DiffResult.Identity identity() {
            return new DiffResult.Identity(shared, checked, agreeing,
                    DiffIdentity.sameProcess(shared, checked, agreeing), newIds, newBelowMax);
        }
    }

    /** The diff of one process: new objects grouped, classes with what was added and freed. */
    private static DiffResult byId(DiffBaseline first, DiffInterval interval, MemberGroups groups, Classes classes,
                                   List<DiffResult.SnapshotInfo> infos, DiffResult.Identity identity,
                                   List<DiffResult.GroupChange> groupChanges, Map<String, DiffTotals> lastClasses,
                                   Scan scan, int top, int topClasses, List<Suspect> suspects) {
        List<MemberGroups.Bucket> storeBuckets = groups.bucket(scan.newStores, scan.storeCount, null, null);
        List<MemberGroups.Bucket> objectBuckets = groups.bucket(scan.newObjects, scan.objectCount, classes.classOf,
                classes.names);
        long[] retained = groups.retained(List.of(storeBuckets, objectBuckets));
        List<MemberGroups.Bucket> topStores = storeBuckets.subList(0, Math.min(top, storeBuckets.size()));
        List<MemberGroups.Bucket> topObjects = objectBuckets.subList(0, Math.min(top, objectBuckets.size()));
        List<BufferGroup> described = groups.describe(concat(topStores, topObjects));
        List<DiffGroup> bufferGroups = new ArrayList<>();
        for (int i = 0; i < topStores.size(); i++) {
            MemberGroups.Bucket b = topStores.get(i);
            bufferGroups.add(new DiffGroup(b.className, b.signature, retained[i],
                    first.bufferGroups().getOrDefault(b.signature, DiffTotals.ZERO), described.get(i)));
        }
        List<DiffGroup> objectGroups = new ArrayList<>();
        for (int i = 0; i < topObjects.size(); i++) {
            MemberGroups.Bucket b = topObjects.get(i);
            objectGroups.add(new DiffGroup(b.className, b.signature, retained[storeBuckets.size() + i], null,
                    described.get(topStores.size() + i)));
        }
        DiffTotals addedStores = sum(storeBuckets);
        DiffTotals added = addedStores.plus(sum(objectBuckets));
        Map<String, DiffTotals> addedByClass = addedByClass(classes, storeBuckets, objectBuckets);
        Map<String, DiffTotals> freedByClass = freedByClass(first, classes, scan);
        DiffTotals freed = DiffTotals.ZERO;
        for (DiffTotals t : freedByClass.values()) {
            freed = freed.plus(t);
        }
        DiffResult.Change change = new DiffResult.Change(added, addedStores, scan.unreachable,
                interval == null ? null : interval.allocatedTotals(), freed, first.embedder(), scan.embedder);
        List<DiffResult.ClassChange> classChanges = classChanges(first.classes(), lastClasses, addedByClass,
                freedByClass, topClasses);
        DiffResult.Mode mode = interval == null ? DiffResult.Mode.IDS : DiffResult.Mode.SURVIVORS;
        DiffGroup largest = largest(bufferGroups, objectGroups);
        String verdict = verdict(mode, largest, added.bytes());
        if (verdict == null) {
            verdict = spreadVerdict(mode, groups, storeBuckets, objectBuckets, added.bytes());
        }
        return new DiffResult(mode, infos, identity, change, bufferGroups, storeBuckets.size(), objectGroups,
                objectBuckets.size(), top(groupChanges, top), classChanges, suspects, verdict, metrics(change, largest == null
                        ? DiffTotals.ZERO : new DiffTotals(largest.group().count(), largest.group().totalBytes())));
    }

    private static DiffTotals sum(List<MemberGroups.Bucket> buckets) {
        DiffTotals t = DiffTotals.ZERO;
        for (MemberGroups.Bucket b : buckets) {
            t = t.plus(new DiffTotals(b.count, b.total));
        }
        return t;
    }

    private static Map<String, DiffTotals> addedByClass(Classes classes, List<MemberGroups.Bucket> storeBuckets,
                                                        List<MemberGroups.Bucket> objectBuckets) {
        Map<String, DiffTotals> out = new HashMap<>();
        for (List<MemberGroups.Bucket> list : List.of(storeBuckets, objectBuckets)) {
            for (MemberGroups.Bucket b : list) {
                out.merge(b.className, new DiffTotals(b.count, b.total), DiffTotals::plus);
            }
        }
        return out;
    }

    /**
     * Freed objects per class: the first snapshot's objects of the class less those of its ids that the last
     * snapshot still holds, at their sizes there. Only ids and per-class totals of the first snapshot are kept, so
     * a surviving object is counted under its class in the last snapshot (an object keeps its class) and an object
     * that shrank in place (a trimmed array) counts its lost bytes as freed.
     */
    private static Map<String, DiffTotals> freedByClass(DiffBaseline first, Classes classes, Scan scan) {
        Map<String, DiffTotals> survivors = new HashMap<>();
        for (int c = 0; c < classes.names.length; c++) {
            if (scan.survivorCount[c] > 0) {
                survivors.put(classes.names[c], new DiffTotals(scan.survivorCount[c], scan.survivorBytes[c]));
            }
        }
        Map<String, DiffTotals> freed = new HashMap<>();
        for (Map.Entry<String, DiffTotals> e : first.classes().entrySet()) {
            DiffTotals gone = e.getValue().minus(survivors.getOrDefault(e.getKey(), DiffTotals.ZERO));
            if (gone.count() > 0 || gone.bytes() > 0) {
                freed.put(e.getKey(), new DiffTotals(Math.max(0, gone.count()), Math.max(0, gone.bytes())));
            }
        }
        return freed;
    }

    /** Classes whose totals moved, largest change of bytes first (then most bytes added or freed). */
    private static List<DiffResult.ClassChange> classChanges(Map<String, DiffTotals> before,
                                                             Map<String, DiffTotals> after,
                                                             Map<String, DiffTotals> added,
                                                             Map<String, DiffTotals> freed, int top) {
        Set<String> names = new LinkedHashSet<>(before.keySet());
        names.addAll(after.keySet());
        List<DiffResult.ClassChange> rows = new ArrayList<>();
        for (String name : names) {
            DiffTotals b = before.getOrDefault(name, DiffTotals.ZERO);
            DiffTotals a = after.getOrDefault(name, DiffTotals.ZERO);
            DiffTotals add = added == null ? null : added.getOrDefault(name, DiffTotals.ZERO);
            DiffTotals gone = freed == null ? null : freed.getOrDefault(name, DiffTotals.ZERO);
            boolean moved = added == null ? !a.equals(b) : !add.isZero() || !gone.isZero();
            if (moved) {
                rows.add(new DiffResult.ClassChange(name, b, a, add, gone));
            }
        }
        rows.sort(Comparator.comparingLong((DiffResult.ClassChange r) -> Math.abs(r.deltaBytes())).reversed()
                .thenComparing(Comparator.comparingLong((DiffResult.ClassChange r) -> churn(r)).reversed())
                .thenComparing(DiffResult.ClassChange::name));
        return rows.subList(0, Math.min(top, rows.size()));
    }

    private static long churn(DiffResult.ClassChange r) {
        return (r.added() == null ? 0 : r.added().bytes()) + (r.freed() == null ? 0 : r.freed().bytes());
    }

    /**
     * Every backing-store signature whose totals differ between the first and the last snapshot, largest change
     * first. A group that vanished and one that appeared with the same count and bytes are taken for one group
     * whose chain took another of equally near paths (e.g. the WebAssembly memory reached through HEAP32 in one
     * snapshot and HEAPF64 in the other), and left out.
     */
    private static List<DiffResult.GroupChange> groupChanges(Map<String, DiffTotals> before,
                                                             List<MemberGroups.Bucket> afterBuckets) {
        Map<String, DiffTotals> after = new LinkedHashMap<>();
        for (MemberGroups.Bucket b : afterBuckets) {
            after.put(b.signature, new DiffTotals(b.count, b.total));
        }
        Set<String> signatures = new LinkedHashSet<>(after.keySet());
        signatures.addAll(before.keySet());
        List<DiffResult.GroupChange> all = new ArrayList<>();
        List<DiffResult.GroupChange> vanished = new ArrayList<>();
        for (String sig : signatures) {
            DiffTotals b = before.getOrDefault(sig, DiffTotals.ZERO);
            DiffTotals a = after.getOrDefault(sig, DiffTotals.ZERO);
            if (!a.equals(b)) {
                all.add(new DiffResult.GroupChange(sig, b, a));
                if (a.isZero()) {
                    vanished.add(all.get(all.size() - 1));
                }
            }
        }
        List<DiffResult.GroupChange> paired = new ArrayList<>();
        for (DiffResult.GroupChange c : all) {
            if (!c.before().isZero()) {
                continue;
            }
            for (DiffResult.GroupChange v : vanished) {
                if (v.before().equals(c.after()) && !paired.contains(v)) {
                    paired.add(v);
                    paired.add(c);
                    break;
                }
            }
        }
        List<DiffResult.GroupChange> changes = new ArrayList<>(all);
        changes.removeAll(paired);
        changes.sort(Comparator.comparingLong((DiffResult.GroupChange c) -> Math.abs(c.deltaBytes())).reversed()
                .thenComparing(DiffResult.GroupChange::signature));
        return changes;
    }

    private static <T> List<T> top(List<T> list, int top) {
        return new ArrayList<>(list.subList(0, Math.min(top, list.size())));
    }

    /**
     * Ids that do not match (different processes, or V8's ids reset in between: an inspector session that ends
     * clears them, {@code HeapProfiler.disable}): the class totals and the backing-store
     * groups are compared, and the groups that grew are shown as they stand in the last snapshot.
     */
    private static DiffResult totals(DiffBaseline first, HeapGraph last, MemberGroups groups,
                                     List<MemberGroups.Bucket> storeBuckets, List<DiffResult.SnapshotInfo> infos,
                                     DiffResult.Identity identity, List<DiffResult.GroupChange> groupChanges,
                                     Map<String, DiffTotals> lastClasses, DiffTotals embedder, int top,
                                     int topClasses, List<Suspect> suspects) {
        Map<String, MemberGroups.Bucket> bySignature = new HashMap<>();
        for (MemberGroups.Bucket b : storeBuckets) {
            bySignature.put(b.signature, b);
        }
        List<DiffResult.GroupChange> grew = new ArrayList<>();
        for (DiffResult.GroupChange c : groupChanges) {
            if (c.deltaBytes() > 0) {
                grew.add(c);
            }
        }
        List<MemberGroups.Bucket> grewBuckets = new ArrayList<>();
        for (DiffResult.GroupChange c : grew) {
            grewBuckets.add(bySignature.get(c.signature()));
        }
        long[] retained = groups.retained(List.of(grewBuckets));
        List<BufferGroup> described = groups.describe(grewBuckets.subList(0, Math.min(top, grewBuckets.size())));
        List<DiffGroup> bufferGroups = new ArrayList<>();
        for (int i = 0; i < described.size(); i++) {
            MemberGroups.Bucket b = grewBuckets.get(i);
            bufferGroups.add(new DiffGroup(b.className, b.signature, retained[i], grew.get(i).before(), described.get(i)));
        }
        List<DiffResult.ClassChange> all = classChanges(first.classes(), lastClasses, null, null, Integer.MAX_VALUE);
        DiffTotals added = DiffTotals.ZERO;
        DiffTotals freed = DiffTotals.ZERO;
        DiffTotals largest = DiffTotals.ZERO;
        for (DiffResult.ClassChange c : all) {
            DiffTotals d = c.after().minus(c.before());
            added = added.plus(new DiffTotals(Math.max(0, d.count()), Math.max(0, d.bytes())));
            freed = freed.plus(new DiffTotals(Math.max(0, -d.count()), Math.max(0, -d.bytes())));
            if (d.bytes() > largest.bytes()) {
                largest = d;
            }
        }
        DiffTotals addedStores = DiffTotals.ZERO;
        for (DiffResult.GroupChange c : grew) {
            DiffTotals d = c.after().minus(c.before());
            addedStores = addedStores.plus(new DiffTotals(Math.max(0, d.count()), d.bytes()));
            if (d.bytes() > largest.bytes()) {
                largest = d;
            }
        }
        DiffResult.Change change = new DiffResult.Change(added, addedStores, DiffTotals.ZERO, null, freed,
                first.embedder(), embedder);
        String verdict = bufferGroups.isEmpty() ? null : totalsVerdict(bufferGroups.get(0));
        return new DiffResult(DiffResult.Mode.TOTALS, infos, identity, change, bufferGroups, grew.size(), List.of(), 0,
                top(groupChanges, top), all.subList(0, Math.min(topClasses, all.size())), suspects, verdict,
                metrics(change, largest));
    }

    /** The largest group of new objects, backing stores or other. */
    private static DiffGroup largest(List<DiffGroup> bufferGroups, List<DiffGroup> objectGroups) {
        DiffGroup best = null;
        for (List<DiffGroup> list : List.of(bufferGroups, objectGroups)) {
            if (!list.isEmpty() && (best == null || list.get(0).group().totalBytes() > best.group().totalBytes())) {
                best = list.get(0);
            }
        }
        return best;
    }

    /** A sentence when one group holds most of the growth; null when nothing stands out. */
    static String verdict(DiffResult.Mode mode, DiffGroup largest, long growthBytes) {
        if (largest == null) {
            return null;
        }
        BufferGroup g = largest.group();
        if (g.totalBytes() < VERDICT_MIN_BYTES || g.totalBytes() < VERDICT_SHARE * growthBytes) {
            return null;
        }
        boolean buffers = largest.className().equals(BufferGroups.BACKING_STORE);
        String age = mode == DiffResult.Mode.SURVIVORS ? " surviving" : " new";
        String what = buffers
                ? g.count() + age + (g.count() == 1 ? " buffer" : " buffers")
                        + (g.sizeBytes() != null ? " of exactly " + Units.bytes(g.sizeBytes())
                        : " of " + Units.bytes(g.minBytes()) + " to " + Units.bytes(g.maxBytes()))
                : g.count() + age + " " + largest.className() + (g.count() == 1 ? " object" : " objects");
        int percent = growthBytes == 0 ? 100 : (int) Math.round(100.0 * g.totalBytes() / growthBytes);
        return what + " hold " + Units.bytes(g.totalBytes()) + ", " + percent + "% of the growth"
                + (mode == DiffResult.Mode.SURVIVORS ? " that survived" : "") + "; they are held by "
                + Analysis.holder(g) + (g.alsoHeldBy() == null ? "" : ", also by " + g.alsoHeldCount() + " × "
                + g.alsoHeldBy()) + ": remove them from it when done, or bound it";
    }

    /**
     * When no one group holds most of the growth: the fewest largest groups that do (at most
     * {@link #VERDICT_GROUPS}), if one node other than the root dominates all their members. A JS-heap leak spreads
     * over strings, objects and arrays, all held under one collection.
     */
    private static String spreadVerdict(DiffResult.Mode mode, MemberGroups groups, List<MemberGroups.Bucket> stores,
                                        List<MemberGroups.Bucket> objects, long growthBytes) {
        List<MemberGroups.Bucket> all = new ArrayList<>(stores);
        all.addAll(objects);
        all.sort(Comparator.comparingLong((MemberGroups.Bucket b) -> b.total).reversed());
        List<MemberGroups.Bucket> most = new ArrayList<>();
        DiffTotals held = DiffTotals.ZERO;
        for (MemberGroups.Bucket b : all) {
            if (held.bytes() >= VERDICT_SHARE * growthBytes || most.size() == VERDICT_GROUPS) {
                break;
            }
            most.add(b);
            held = held.plus(new DiffTotals(b.count, b.total));
        }
        if (most.size() < 2 || held.bytes() < VERDICT_MIN_BYTES || held.bytes() < VERDICT_SHARE * growthBytes) {
            return null;
        }
        int dominator = groups.commonDominator(most);
        if (dominator == groups.root()) {
            return null;
        }
        int percent = (int) Math.round(100.0 * held.bytes() / growthBytes);
        return Units.count(held.count()) + (mode == DiffResult.Mode.SURVIVORS ? " surviving" : " new")
                + " objects in the " + most.size() + " largest groups (" + most.get(0).className + " first; "
                + Units.bytes(held.bytes()) + ", " + percent + "% of the growth) are all held by "
                + groups.holder(dominator) + ": remove them from it when done, or bound it";
    }

    private static String totalsVerdict(DiffGroup top) {
        BufferGroup g = top.group();
        long grewBy = g.totalBytes() - top.before().bytes();
        if (grewBy < VERDICT_MIN_BYTES) {
            return null;
        }
        return "one group of backing stores grew by " + Units.bytes(grewBy) + " (" + top.before().count() + " → "
                + g.count() + " buffers); in the last snapshot they are held by " + Analysis.holder(g);
    }

    /** The figures --fail-if tests, named as in the JSON output. */
    private static Map<String, Long> metrics(DiffResult.Change change, DiffTotals largest) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("growth-bytes", change.added().bytes());
        m.put("new-objects", change.added().count());
        m.put("new-native-bytes", change.addedStores().bytes());
        m.put("largest-growth-bytes", largest.bytes());
        m.put("largest-growth-count", largest.count());
        m.put("freed-objects", change.freed().count());
        m.put("freed-bytes", change.freed().bytes());
        return m;
    }

    /** The metric names, in the order of {@link #metrics}. */
    public static final List<String> METRICS = List.of("growth-bytes", "new-objects", "new-native-bytes",
            "largest-growth-bytes", "largest-growth-count", "freed-objects", "freed-bytes");

    private static DiffResult.SnapshotInfo info(HeapSnapshot s, int[] stores) {
        long nativeBytes = 0;
        for (int v : stores) {
            nativeBytes += s.selfSize(v);
        }
        return new DiffResult.SnapshotInfo(s.source(), s.nodeCount(), s.edgeCount(), s.totalSelfSize(), nativeBytes,
                stores.length);
    }

    /** Every node's class (see {@link Describer#classKey}) as a dense id, and the names of the ids. */
    private static final class Classes {
        final HeapSnapshot s;
        final int[] classOf;
        final String[] names;

        private Classes(HeapSnapshot s, int[] classOf, String[] names) {
            this.s = s;
            this.classOf = classOf;
            this.names = names;
        }

        static Classes of(Describer describer) {
            HeapSnapshot s = describer.graph().snapshot();
            int[] classOf = ClassSummary.classIds(describer, s);
            int classes = 0;
            for (int c : classOf) {
                classes = Math.max(classes, c + 1);
            }
            String[] names = new String[classes];
            for (int v = 0; v < classOf.length; v++) {
                if (names[classOf[v]] == null) {
                    names[classOf[v]] = describer.classKey(v);
                }
            }
            return new Classes(s, classOf, names);
        }

        /** Count and self bytes per class, of heap objects (odd ids) only. */
        Map<String, DiffTotals> heapObjectTotals() {
            long[] count = new long[names.length];
            long[] bytes = new long[names.length];
            for (int v = 0; v < classOf.length; v++) {
                if (isHeapObjectId(s.nodeId(v))) {
                    count[classOf[v]]++;
                    bytes[classOf[v]] += s.selfSize(v);
                }
            }
            Map<String, DiffTotals> out = new HashMap<>();
            for (int c = 0; c < names.length; c++) {
                if (count[c] > 0) {
                    out.put(names[c], new DiffTotals(count[c], bytes[c]));
                }
            }
            return out;
        }
    }

    private static <T> List<T> concat(List<? extends T> a, List<? extends T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
