package dev.leakhunt.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Diff} on tiny hand-built snapshots of one "service" at several points, and of another process. */
public class DiffTest {
    public static final long STORE_BYTES = 1000;
    public static final long VIEW_BYTES = 80;
    public static final long THING_BYTES = 48;

    @TempDir
    Path dir;

    /**
     * A service: {@code global.cache} is an Array of ArrayBuffers of {@value #STORE_BYTES} bytes each (buffer
     * {@code i} is present when listed), and {@code global.thing} a Thing when asked. Ids are {@code base + 16 k}
     * for the k-th object, so every one is in the identity sample; an embedder node gets an even id that differs
     * per {@code snapshot}, as Node's do. {@code otherProcess} hands the same ids to different objects, as a second
     * process of one program does.
     */
    public static SnapshotBuilder service(long base, boolean thing, int snapshot, boolean otherProcess, int... buffers) {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 40, base + 16 * (otherProcess ? 2 : 1));
        int cache = b.node("object", "Array", 16, base + 16 * (otherProcess ? 1 : 2));
        b.edge(b.root(), "shortcut", "global", global).prop(global, "cache", cache);
        if (thing) {
            b.prop(global, "thing", b.node("object", "Thing", THING_BYTES, base + 16 * 3));
        }
        for (int i : buffers) {
            int view = b.node("object", "ArrayBuffer", VIEW_BYTES, base + 16 * (otherProcess ? 11 + 2 * i : 10 + 2 * i));
            int store = b.node("native", "system / JSArrayBufferData", STORE_BYTES,
                    base + 16 * (otherProcess ? 10 + 2 * i : 11 + 2 * i));
            b.edge(cache, "element", i, view).edge(view, "internal", "backing_store", store);
        }
        int embedder = b.node("native", "Node / Handle", 16, 2 + 1000L * snapshot);
        b.edge(b.root(), "element", 1, embedder);
        return b;
    }

    private HeapGraph graph(SnapshotBuilder b, String name) throws IOException {
        return HeapGraph.build(new SnapshotReader(b.write(dir.resolve(name + ".heapsnapshot"))).read());
    }

    private DiffResult diff(SnapshotBuilder a, SnapshotBuilder b) throws IOException {
        return Diff.compare(Diff.baseline(graph(a, "a")), null, graph(b, "b"), 10, 10);
    }

    @Test
    void newBuffersAreGroupedWithTheirChainAndWhatWasFreedIsCounted() throws IOException {
        DiffResult r = diff(service(1, true, 0, false, 0, 1), service(1, false, 1, false, 0, 1, 2, 3, 4));
        assertEquals(DiffResult.Mode.IDS, r.mode());
        assertTrue(r.identity().sameProcess());
        assertFalse(r.identity().looksSwapped());

        assertEquals(1, r.bufferGroups().size());
        DiffGroup d = r.bufferGroups().get(0);
        BufferGroup g = d.group();
        assertEquals(3, g.count());
        assertEquals(STORE_BYTES, g.sizeBytes());
        assertEquals(3 * STORE_BYTES, g.totalBytes());
        assertEquals(3 * STORE_BYTES, d.retainedBytes());
        assertEquals(new DiffTotals(2, 2 * STORE_BYTES), d.before());
        assertEquals("system / JSArrayBufferData <- backing_store in ArrayBuffer <- [] in Array <- cache in global <- ",
                d.signature());
        assertEquals("backing_store", g.chain().get(1).edgeName());
        assertEquals("cache", g.chain().get(3).edgeName());
        assertEquals(3, g.sharingChain());
        assertEquals("Array", g.commonDominator().name());

        assertEquals(1, r.objectGroups().size());
        DiffGroup views = r.objectGroups().get(0);
        assertEquals("ArrayBuffer", views.className());
        assertEquals(3, views.group().count());
        assertEquals(3 * (VIEW_BYTES + STORE_BYTES), views.retainedBytes(), "each view retains its store");

        DiffResult.Change c = r.change();
        assertEquals(new DiffTotals(6, 3 * (VIEW_BYTES + STORE_BYTES)), c.added());
        assertEquals(new DiffTotals(3, 3 * STORE_BYTES), c.addedStores());
        assertEquals(new DiffTotals(1, THING_BYTES), c.freed());
        assertEquals(new DiffTotals(1, 16), c.embedderBefore(), "embedder nodes are compared by totals");
        assertEquals(new DiffTotals(1, 16), c.embedderAfter());
        assertNull(c.allocated());

        Map<String, Long> m = r.metrics();
        assertEquals(3 * (VIEW_BYTES + STORE_BYTES), m.get("growth-bytes"));
        assertEquals(6, m.get("new-objects"));
        assertEquals(3 * STORE_BYTES, m.get("new-native-bytes"));
        assertEquals(3 * STORE_BYTES, m.get("largest-growth-bytes"));
        assertEquals(3, m.get("largest-growth-count"));
        assertEquals(1, m.get("freed-objects"));
        assertEquals(THING_BYTES, m.get("freed-bytes"));
        assertEquals(Diff.METRICS, List.copyOf(m.keySet()));

        assertEquals(1, r.groupChanges().size());
        assertEquals(new DiffTotals(2, 2 * STORE_BYTES), r.groupChanges().get(0).before());
        assertEquals(new DiffTotals(5, 5 * STORE_BYTES), r.groupChanges().get(0).after());
        DiffResult.ClassChange thing = r.classChanges().stream().filter(x -> x.name().equals("Thing")).findFirst()
                .orElseThrow();
        assertEquals(new DiffTotals(1, THING_BYTES), thing.freed());
        assertEquals(DiffTotals.ZERO, thing.after());
    }

    @Test
    void idsAbove2To31AreMatchedAsUnsigned() throws IOException {
        long base = 0xF0000001L;
        DiffResult r = diff(service(base, true, 0, false, 0, 1), service(base, false, 1, false, 0, 1, 2, 3, 4));
        assertEquals(DiffResult.Mode.IDS, r.mode());
        assertEquals(3, r.bufferGroups().get(0).group().count());
        assertEquals(1, r.change().freed().count());
        assertTrue(r.bufferGroups().get(0).group().chain().get(0).node().id() > 0xF0000000L);
    }

    @Test
    void threeSnapshotsKeepOnlyWhatWasAllocatedBetweenTheFirstTwoAndSurvives() throws IOException {
        DiffBaseline a = Diff.baseline(graph(service(1, true, 0, false, 0, 1), "a"));
        DiffInterval ab = Diff.interval(a, graph(service(1, true, 1, false, 0, 1, 2, 3, 4), "b"));
        assertEquals(6, ab.allocated().size());
        // C: buffers 3 and 4 were freed after B; buffer 5 is newer than B
        DiffResult r = Diff.compare(a, ab, graph(service(1, true, 2, false, 0, 1, 2, 5), "c"), 10, 10);
        assertEquals(DiffResult.Mode.SURVIVORS, r.mode());
        assertEquals(3, r.snapshots().size());
        assertEquals(new DiffTotals(6, 3 * (VIEW_BYTES + STORE_BYTES)), r.change().allocated());
        assertEquals(new DiffTotals(2, VIEW_BYTES + STORE_BYTES), r.change().added());
        BufferGroup g = r.bufferGroups().get(0).group();
        assertEquals(1, g.count());
        assertEquals(STORE_BYTES, g.totalBytes());
        assertEquals(VIEW_BYTES + STORE_BYTES, r.metrics().get("growth-bytes"));
        assertTrue(r.verdict() == null, "1000 bytes are below the verdict's floor");
    }

    @Test
    void snapshotsOfDifferentProcessesAreComparedByTotals() throws IOException {
        DiffResult r = diff(service(1, true, 0, false, 0, 1), service(1, true, 1, true, 0, 1, 2, 3, 4));
        assertEquals(DiffResult.Mode.TOTALS, r.mode());
        DiffResult.Identity id = r.identity();
        assertFalse(id.sameProcess());
        assertTrue(id.sharedIds() > 0, "the same ids occur in both, naming other objects");
        assertTrue(id.agreeingIds() < DiffIdentity.SAME_PROCESS_AGREEMENT * id.checkedIds());

        assertEquals(1, r.groupChanges().size());
        assertEquals(3 * STORE_BYTES, r.groupChanges().get(0).deltaBytes());
        DiffGroup grown = r.bufferGroups().get(0);
        assertEquals(5, grown.group().count(), "the group as it stands in the last snapshot");
        assertEquals(new DiffTotals(2, 2 * STORE_BYTES), grown.before());
        assertTrue(r.objectGroups().isEmpty());
        assertEquals(3 * (STORE_BYTES + VIEW_BYTES), r.metrics().get("growth-bytes"), "the classes' growth");
        assertEquals(6, r.metrics().get("new-objects"));
        assertEquals(3 * STORE_BYTES, r.metrics().get("largest-growth-bytes"));
        assertEquals(3, r.metrics().get("largest-growth-count"));
        assertNull(r.classChanges().get(0).added(), "no matching by id across processes");
    }

    @Test
    void snapshotsGivenInTheWrongOrderAreNoticed() throws IOException {
        DiffResult r = diff(service(1, false, 1, false, 0, 1, 2, 3, 4), service(1, true, 0, false, 0, 1));
        assertEquals(DiffResult.Mode.IDS, r.mode());
        assertTrue(r.identity().looksSwapped(), r.identity().toString());
    }

    @Test
    void aGroupWhoseChainChangedButNotItsSizeIsNotAChange() throws IOException {
        DiffResult r = diff(held("x"), held("y"));
        assertTrue(r.groupChanges().isEmpty(), r.groupChanges().toString());
        assertTrue(r.bufferGroups().isEmpty());
    }

    @Test
    void growthSpreadOverSeveralGroupsIsTracedToWhatHoldsThemAll() throws IOException {
        DiffResult r = diff(handlers(2), handlers(7));
        assertEquals(5, r.objectGroups().get(0).group().count());
        assertTrue(r.verdict().startsWith("10 new objects in the 2 largest groups ("), r.verdict());
        assertTrue(r.verdict().endsWith("% of the growth) are all held by Map @49 (handlers of global @17): "
                + "remove them from it when done, or bound it"), r.verdict());
    }

    /**
     * A JS-heap leak: {@code global.handlers} is a Map whose table holds closures, each with a context holding a
     * RequestContext, a long string and a Blob of 150 KB each: no one class is half of the growth.
     */
    private static SnapshotBuilder handlers(int count) {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 40, 17);
        int map = b.node("object", "Map", 32, 49);
        int table = b.node("array", "", 64, 65);
        b.edge(b.root(), "shortcut", "global", global).prop(global, "handlers", map).edge(map, "internal", "table", table);
        for (int i = 0; i < count; i++) {
            long id = 1001 + 160L * i;
            int closure = b.node("closure", "onRequestDone", 32, id);
            int context = b.node("object", "system / Context", 40, id + 16);
            b.edge(table, "element", i, closure).edge(closure, "internal", "context", context);
            b.edge(context, "context", "ctx", b.node("object", "RequestContext", 150_000, id + 32));
            b.edge(context, "context", "payload", b.node("string", "x".repeat(20) + i, 150_000, id + 48));
            b.edge(context, "context", "blob", b.node("object", "Blob", 150_000, id + 64));
        }
        return b;
    }

    /** One buffer held by {@code global.<property>}. */
    private static SnapshotBuilder held(String property) {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 40, 17);
        int ab = b.node("object", "ArrayBuffer", VIEW_BYTES, 33);
        int store = b.node("native", "system / JSArrayBufferData", STORE_BYTES, 49);
        b.edge(b.root(), "shortcut", "global", global).prop(global, property, ab)
                .edge(ab, "internal", "backing_store", store);
        return b;
    }

    @Test
    void chainTablesGiveTheSignaturesOfRetainerChains() throws IOException {
        // the shipped snapshot, and a linked list of 1,000 nodes whose chains collapse into one step
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 1);
        b.edge(b.root(), "shortcut", "global", global);
        int previous = global;
        for (int i = 0; i < 1000; i++) {
            int item = b.node("object", "Item", 1);
            b.prop(previous, previous == global ? "head" : "next", item).prop(item, "name", b.node("string", "n" + i, 1));
            previous = item;
        }
        b.node("object", "Garbage", 1);
        for (HeapGraph graph : List.of(graph(b, "list"), HeapGraph.build(new SnapshotReader(
                Path.of("samples/sqljs-memfs-leak.heapsnapshot.gz")).read()))) {
            Describer describer = new Describer(graph);
            ChainSignatures table = new ChainSignatures(describer);
            Map<Long, String> byKey = new java.util.HashMap<>();
            Map<String, Long> bySignature = new java.util.HashMap<>();
            Map<ChainSignatures.SignatureKey, String> byShortKey = new java.util.HashMap<>();
            for (int node = graph.snapshot().nodeCount() - 1; node >= 0; node--) {
                int v = node;
                String full = table.signature(v, -1);
                String shortSignature = table.signature(v, BufferGroups.SIGNATURE_STEPS);
                assertTrue(full.startsWith(shortSignature), full + " / " + shortSignature);
                assertEquals(full, byKey.computeIfAbsent(table.fullKey(v), k -> full), "one key, one signature");
                assertEquals(table.fullKey(v), bySignature.computeIfAbsent(full, k -> table.fullKey(v)));
                assertEquals(shortSignature, byShortKey.computeIfAbsent(table.signatureKey(v), k -> shortSignature));
            }
        }
    }

    @Test
    void theBaselineKeepsAboutFourBytesAnId() throws IOException {
        HeapGraph graph = HeapGraph.build(new SnapshotReader(Path.of("samples/sqljs-memfs-leak.heapsnapshot.gz")).read());
        DiffBaseline base = Diff.baseline(graph);
        int n = graph.snapshot().nodeCount();
        assertTrue(base.ids().size() > n * 9 / 10 && base.ids().size() <= n, "heap objects only: " + base.ids().size());
        assertTrue(base.bytes() < 6L * n + 64L * 4096, base.bytes() + " bytes for " + n + " nodes");
    }

    @Test
    void idSetsOrderIdsAsUnsigned() {
        DiffIds ids = DiffIds.of(new int[] {0x80000001, 1, 0xFFFFFFFF, 5, 77}, 4);
        assertEquals(4, ids.size());
        assertTrue(ids.contains(0x80000001));
        assertTrue(ids.contains(0xFFFFFFFF));
        assertTrue(ids.contains(1));
        assertTrue(ids.contains(5));
        assertFalse(ids.contains(77), "only the first count ids");
        assertFalse(ids.contains(3));
        assertEquals(0xFFFFFFFFL, ids.max());
    }
}
