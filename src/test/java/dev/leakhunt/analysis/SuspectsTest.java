package dev.leakhunt.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The holder rule and the suspects on hand-built graphs, small enough to check by eye. */
class SuspectsTest {
    private static final long STORE = 100_000;

    @TempDir
    Path dir;

    private HeapGraph graph(SnapshotBuilder b, String name) throws IOException {
        return HeapGraph.build(new SnapshotReader(b.write(dir.resolve(name + ".heapsnapshot"))).read());
    }

    /** {@code global.<name>}: a user object of class {@code className}. */
    private static int global(SnapshotBuilder b) {
        int global = b.node("object", "global", 40);
        b.edge(b.root(), "shortcut", "global", global);
        return global;
    }

    /** A Buffer with its ArrayBuffer and backing store; returns the Buffer. */
    private static int buffer(SnapshotBuilder b, long bytes) {
        int view = b.node("object", "Buffer", 96);
        int ab = b.node("object", "ArrayBuffer", 80);
        int store = b.node("native", BufferGroups.BACKING_STORE, bytes);
        b.edge(view, "internal", "buffer", ab).edge(ab, "internal", "backing_store", store);
        return view;
    }

    @Test
    void buffersInAMapTableAreOneGroupHeldByTheMapNotItsTable() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = global(b);
        int cache = b.node("object", "ResponseCache", 32);
        int map = b.node("object", "Map", 32);
        int table = b.node("array", "", 400);
        b.prop(global, "cache", cache).prop(cache, "entries", map).edge(map, "internal", "table", table);
        for (int i = 0; i < 5; i++) {
            b.edge(table, "internal", Integer.toString(3 * i + 3), b.node("string", "key-" + i, 24));
            b.edge(table, "internal", Integer.toString(3 * i + 4), buffer(b, STORE));
        }
        AnalysisResult r = Analysis.analyze(graph(b, "map"), 5, 5);
        assertEquals(1, r.groups().size(), "one group, whatever the slots: " + r.groups());
        BufferGroup g = r.groups().get(0);
        assertEquals(5, g.count());
        assertEquals(5 * STORE, g.totalBytes());
        assertEquals("Map", g.holder().name());
        assertEquals(1, g.holderCount());
        assertEquals("entries", g.chain().get(g.holderStep() + 1).edgeName());
        assertEquals(List.of("\"key-0\"", "\"key-1\"", "\"key-2\""), g.keys());
        Suspect top = r.suspects().get(0);
        assertEquals("native", top.kind());
        assertEquals(5, top.count());
        assertEquals("Map", top.holder().name());
    }

    @Test
    void membersAlsoHeldByTimersNameTheCollectionNotTheRoot() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = global(b);
        int map = b.node("object", "Map", 32);
        int table = b.node("array", "", 400);
        int timers = b.node("synthetic", "(Timers)", 0);
        b.edge(b.root(), "element", 1, timers);
        b.prop(global, "subscribers", map).edge(map, "internal", "table", table);
        for (int i = 0; i < 4; i++) {
            int sub = b.node("object", "Subscription", 40);
            b.prop(sub, "snapshot", buffer(b, STORE));
            b.edge(table, "internal", Integer.toString(i + 10), sub);
            int timeout = b.node("object", "Timeout", 64);
            int callback = b.node("closure", "refresh", 32);
            int context = b.node("object", "system / Context", 24);
            b.edge(timers, "element", i, timeout).prop(timeout, "_onTimeout", callback)
                    .edge(callback, "internal", "context", context).edge(context, "context", "this", sub);
        }
        AnalysisResult r = Analysis.analyze(graph(b, "timers"), 5, 5);
        BufferGroup g = r.groups().get(0);
        assertEquals(4, g.count(), r.groups().toString());
        assertEquals("synthetic", g.commonDominator().type(), "the dominator is the root: both paths hold them");
        assertEquals("Map", g.holder().name(), "the collection, found beyond the nearest chain");
        assertTrue(g.holderStep() > 0, "the chain shown runs through the Map");
        assertEquals("Timeout", g.alsoHeldBy());
        assertEquals(4, g.alsoHeldCount());
        assertTrue(r.verdict().contains("also held by 4 × Timeout"), r.verdict());
        assertTrue(!r.verdict().contains("(synthetic)") && !r.verdict().contains("@1 "), r.verdict());
    }

    @Test
    void aMapPerConnectionIsNamedAsTheMapsOfTheConnections() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = global(b);
        int connections = b.node("object", "Array", 64);
        b.prop(global, "connections", connections);
        for (int c = 0; c < 5; c++) {
            int connection = b.node("object", "Connection", 48);
            int map = b.node("object", "Map", 32);
            int table = b.node("array", "", 200);
            b.edge(connections, "element", c, connection).prop(connection, "pending", map)
                    .edge(map, "internal", "table", table);
            for (int i = 0; i < 4; i++) {
                b.edge(table, "internal", Integer.toString(2 * i + 4), buffer(b, STORE));
            }
        }
        AnalysisResult r = Analysis.analyze(graph(b, "connections"), 5, 5);
        assertEquals(1, r.groups().size(), r.groups().toString());
        BufferGroup g = r.groups().get(0);
        assertEquals(20, g.count());
        assertEquals("Map", g.holder().name(), "the Maps, not the array of connections above them");
        assertEquals(5, g.holderCount());
        assertEquals("pending", g.chain().get(g.holderStep() + 1).edgeName());
        assertTrue(r.verdict().contains("held by 5 × Map, one of them Map @"), r.verdict());
        assertEquals(5, r.suspects().get(0).holderCount());
    }

    @Test
    void aDictionarysKeysAndABucketChainsLinksLeaveTheSignature() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = global(b);
        int dict = b.node("object", "Object", 64);
        b.prop(global, "cache", dict);
        for (int i = 0; i < Describer.DICTIONARY_ENTRIES + 2; i++) {
            b.prop(dict, "id-" + i, buffer(b, STORE));
        }
        int table = b.node("object", "Array", 64);
        b.prop(global, "nameTable", table);
        int previous = -1;
        for (int i = 0; i < 6; i++) { // bucket 0 holds a chain of 3 files, the rest one each
            int file = b.node("object", "FSNode", 48);
            b.prop(file, "contents", buffer(b, 2 * STORE));
            if (i < 3 && previous >= 0) {
                b.prop(previous, "name_next", file);
            } else {
                b.edge(table, "element", i, file);
            }
            previous = file;
        }
        AnalysisResult r = Analysis.analyze(graph(b, "dict"), 5, 5);
        assertEquals(2, r.groups().size(), r.groups().toString());
        BufferGroup files = r.groups().get(0);
        assertEquals(6, files.count(), "a file behind another in its bucket is one of the table's");
        assertEquals("Array", files.holder().name());
        BufferGroup cached = r.groups().get(1);
        assertEquals(Describer.DICTIONARY_ENTRIES + 2, cached.count());
        assertEquals("Object", cached.holder().name());
        assertEquals(3, cached.keys().size());
        assertTrue(cached.keys().get(0).startsWith("id-"), cached.keys().toString());
    }

    @Test
    void oneBigBufferIsNoSuspectButTheCollectionBesideItIs() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = global(b);
        int memory = b.node("object", "Memory", 40);
        b.prop(global, "wasm", memory).prop(memory, "buffer", buffer(b, 40 * STORE));
        int list = b.node("object", "Array", 64);
        b.prop(global, "copies", list);
        for (int i = 0; i < 10; i++) {
            b.edge(list, "element", i, buffer(b, STORE));
        }
        AnalysisResult r = Analysis.analyze(graph(b, "big"), 5, 5);
        assertEquals(40 * STORE, r.groups().get(0).totalBytes(), "the largest group is the lone buffer");
        assertEquals("Memory", r.groups().get(0).holder().name(), "a lone buffer's holder is its owner, not its ArrayBuffer");
        Suspect top = r.suspects().get(0);
        assertEquals(10, top.count(), r.suspects().toString());
        assertEquals("Array", top.holder().name());
        assertTrue(r.verdict().startsWith("10 × ArrayBuffer backing store"), r.verdict());
        assertEquals(10 * STORE, r.metrics().get("top-suspect-bytes"));
        assertEquals(Analysis.METRICS, List.copyOf(r.metrics().keySet()), "--fail-if knows every metric, in order");
    }

    @Test
    void aDeepChainKeepsTheHolderAndTheUsersNameAboveItAndElidesTheMiddle() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int above = global(b);
        for (int level = 1; level <= 20; level++) { // global.l1.l2…l20: the far end
            int next = b.node("object", "Level" + level, 16);
            b.prop(above, "l" + level, next);
            above = next;
        }
        int map = b.node("object", "Map", 32);
        int table = b.node("array", "", 400);
        b.prop(above, "uploads", map).edge(map, "internal", "table", table);
        for (int i = 0; i < 4; i++) {
            int held = buffer(b, STORE);
            for (int depth = 12; depth >= 1; depth--) { // twelve wrappers between the bytes and the Map
                int wrapper = b.node("object", "Wrapper" + depth, 16);
                b.prop(wrapper, "inner", held);
                held = wrapper;
            }
            b.edge(table, "internal", Integer.toString(i + 10), held);
        }
        java.io.StringWriter text = new java.io.StringWriter();
        AnalysisResult r = Analysis.analyze(graph(b, "deep"), 5, 5);
        new dev.leakhunt.report.TextReport(new java.io.PrintWriter(text, true)).groups(r.groups(), 4);
        String out = text.toString();
        BufferGroup g = r.groups().get(0);
        assertEquals("Map", g.holder().name());
        assertTrue(g.holderStep() > dev.leakhunt.report.TextReport.CHAIN_STEPS, "deep: " + g.holderStep());
        assertTrue(out.contains("← table in Map @"), out);
        assertTrue(out.contains("▶"), out);
        assertTrue(out.contains("← uploads in Level20 @"), "the user's name for the Map, above it: " + out);
        assertTrue(out.matches("(?s).*← inner in Wrapper\\d+ @\\d+\n\\s+… \\d+ more\n.*← \\d+ in \\(array\\).*"),
                "the middle is elided, not the end: " + out);
        assertTrue(out.contains("more to global"), out);
    }

    @Test
    void aCollectionOfObjectsIsAJsSuspectWithItsMemberCount() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = global(b);
        int handlers = b.node("object", "Array", 64);
        b.prop(global, "handlers", handlers);
        int shared = b.node("code", "onRequestDone", 40);
        for (int i = 0; i < 40; i++) {
            int closure = b.node("closure", "onRequestDone", 32);
            int context = b.node("object", "system / Context", 24);
            b.edge(closure, "internal", "shared", shared).edge(closure, "internal", "context", context)
                    .edge(context, "context", "rows", b.node("object", "RequestContext", 5_000));
            b.edge(handlers, "element", i, closure);
        }
        b.prop(global, "other", b.node("object", "Config", 1_000));
        AnalysisResult r = Analysis.analyze(graph(b, "js"), 5, 5);
        Suspect top = r.suspects().get(0);
        assertEquals("js", top.kind());
        assertEquals("onRequestDone()", top.memberClass());
        assertEquals(40, top.count());
        assertEquals(40 * (32 + 24 + 5_000), top.bytes());
        assertEquals("Array", top.holder().name());
        assertEquals("handlers", top.chain().get(top.holderStep() + 1).edgeName());
        assertNull(top.group());
        assertNotNull(r.verdict());
    }

    /**
     * A Map's table alternates key and value edges; the member class is sampled, and a sample that stepped over every
     * other edge saw only keys at some sizes (605 handlers of the js-heap-leak sample gave no suspect, 552 did).
     */
    @Test
    void aMapOfClosuresIsASuspectAtEverySize() throws IOException {
        for (int n : new int[] {300, 520, 600, 605, 800, 1100, 1537}) {
            SnapshotBuilder b = new SnapshotBuilder();
            int global = global(b);
            int map = b.node("object", "Map", 32);
            int table = b.node("array", "", 16L * n);
            b.prop(global, "handlers", map).edge(map, "internal", "table", table);
            int shared = b.node("code", "onRequestDone", 40);
            for (int i = 0; i < n; i++) {
                int closure = b.node("closure", "onRequestDone", 32);
                int context = b.node("object", "system / Context", 24);
                b.edge(closure, "internal", "shared", shared).edge(closure, "internal", "context", context)
                        .edge(context, "context", "ctx", b.node("object", "RequestContext", 5_000));
                b.edge(table, "internal", Integer.toString(3 * i + 3), b.node("string", "handler-" + i, 24));
                b.edge(table, "internal", Integer.toString(3 * i + 4), closure);
            }
            AnalysisResult r = Analysis.analyze(graph(b, "map-" + n), 5, 5);
            assertTrue(!r.suspects().isEmpty(), "a suspect with " + n + " entries");
            Suspect top = r.suspects().get(0);
            assertEquals("onRequestDone()", top.memberClass(), n + " entries");
            assertEquals(n, top.count());
            assertEquals((long) n * (32 + 24 + 5_000), top.bytes());
            assertEquals("Map", top.holder().name());
        }
    }

    /**
     * Buffers in a per-request array, the requests kept by closures in a Map: the 40 arrays are the leak's own
     * records, and the Map, seven steps above each buffer, is where they accumulate.
     */
    @Test
    void manyPerRecordArraysAreNotTheHolderTheMapAboveThemIs() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = global(b);
        int map = b.node("object", "Map", 32);
        int table = b.node("array", "", 800);
        b.prop(global, "handlers", map).edge(map, "internal", "table", table);
        int shared = b.node("code", "onDone", 40);
        for (int i = 0; i < 40; i++) {
            int chunks = b.node("object", "Array", 32);
            for (int j = 0; j < 4; j++) {
                b.edge(chunks, "element", j, buffer(b, STORE));
            }
            int request = b.node("object", "Request", 48);
            b.prop(request, "chunks", chunks);
            int context = b.node("object", "system / Context", 24);
            b.edge(context, "context", "req", request);
            int closure = b.node("closure", "onDone", 32);
            b.edge(closure, "internal", "shared", shared).edge(closure, "internal", "context", context);
            b.edge(table, "internal", Integer.toString(2 * i + 3), b.node("string", "h-" + i, 24));
            b.edge(table, "internal", Integer.toString(2 * i + 4), closure);
        }
        AnalysisResult r = Analysis.analyze(graph(b, "records"), 5, 5);
        BufferGroup g = r.groups().get(0);
        assertEquals(160, g.count());
        assertEquals(160 * STORE, g.totalBytes());
        assertEquals("Map", g.holder().name(), "the Map, not 40 × Array");
        assertEquals(1, g.holderCount());
        Suspect top = r.suspects().get(0);
        assertEquals("native", top.kind());
        assertEquals(160, top.count());
        assertEquals("Map", top.holder().name());
    }
}
