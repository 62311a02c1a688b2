package dev.leakhunt.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.SnapshotReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The samples' real snapshots, written by real Node processes, through the whole analysis. */
class SampleSnapshotsTest {
    private static final int OPS = 12;

    @TempDir
    static Path dir;

    @BeforeAll
    static void nodeIsThere() {
        assumeTrue(canRun("node", "--version"), "node is not installed");
    }

    private static boolean canRun(String... command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Runs a sample with --snapshot and returns the analysis of what it wrote. */
    private static AnalysisResult snapshot(String sample, String mode, String... extra) throws Exception {
        return snapshot(List.of(), sample, mode, extra);
    }

    /** As above, with flags for node itself before the script. */
    private static AnalysisResult snapshot(List<String> nodeFlags, String sample, String mode, String... extra)
            throws Exception {
        Path file = dir.resolve(sample + "-" + mode + "-" + String.join("", extra).replaceAll("[^A-Za-z0-9]", "")
                + ".heapsnapshot");
        List<String> command = new ArrayList<>(List.of("node"));
        command.addAll(nodeFlags);
        command.addAll(List.of("samples/" + sample + "/server.js", "--mode", mode,
                "--ops", Integer.toString(OPS), "--snapshot", file.toString()));
        command.addAll(List.of(extra));
        Path log = Path.of(file + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(sample + " did not finish in 120 s: " + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), Files.readString(log));
        HeapGraph graph = HeapGraph.build(new SnapshotReader(file).read());
        return Analysis.analyze(graph, 5, 20);
    }

    @Test
    void sqlJsLeakIsOneGroupOfOpsTimesTheDatabase() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("samples/sqljs-memfs-leak/node_modules/sql.js")), "run npm ci in samples/sqljs-memfs-leak");
        Path db = dir.resolve("leak.db");
        AnalysisResult r = snapshot("sqljs-memfs-leak", "leak", "--db", db.toString(), "--db-mb", "1");
        long dbBytes = Files.size(db);
        // the 16+ MiB WebAssembly memory may outweigh 12 small copies: find the copies by their size
        BufferGroup top = r.groups().stream().filter(g -> g.maxBytes() == dbBytes).findFirst().orElseThrow();
        assertEquals(OPS, top.count(), () -> "groups (count × min–max, holder): " + r.groups().stream()
                .map(g -> g.count() + " × " + g.minBytes() + "–" + g.maxBytes() + ", " + g.holder()).toList());
        assertEquals(dbBytes, top.sizeBytes());
        assertEquals(OPS * dbBytes, top.totalBytes());
        assertEquals(OPS, top.sharingChain());
        List<ChainStep> chain = top.chain();
        assertEquals("system / JSArrayBufferData", chain.get(0).node().name());
        assertEquals("backing_store", chain.get(1).edgeName());
        assertEquals("ArrayBuffer", chain.get(1).node().name());
        assertEquals("buffer", chain.get(2).edgeName());
        assertEquals("property", chain.get(3).edgeType(), "the MEMFS node holds the bytes in a property");
        assertNotNull(chain.get(3).node().hint());
        assertTrue(chain.get(3).node().hint().contains("dbfile_"), chain.get(3).node().hint());
        assertTrue(top.commonDominator().retainedBytes() >= OPS * dbBytes);
    }

    @Test
    void sqlJsUnminifiedMemfsFilesAreOneGroupHeldByTheNameTableCollisionsIncluded() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("samples/sqljs-memfs-leak/node_modules/sql.js")), "run npm ci in samples/sqljs-memfs-leak");
        int ops = 200; // 200 files in 4096 hash buckets: a collision (a file behind another) in all but ~1% of runs
        Path db = dir.resolve("small.db");
        List<String> singleThreaded = List.of("--single-threaded"); // V8 can deadlock compiling the debug build's WebAssembly
        AnalysisResult r = snapshot(singleThreaded, "sqljs-memfs-leak", "leak", "--build", "debug", "--db", db.toString(),
                "--db-mb", "0.1", "--ops", Integer.toString(ops));
        long dbBytes = Files.size(db);
        List<BufferGroup> copies = r.groups().stream().filter(g -> g.maxBytes() == dbBytes).toList();
        assertEquals(1, copies.size(), "one group, bucket chains and open streams included: " + copies);
        BufferGroup g = copies.get(0);
        assertEquals(ops, g.count());
        assertEquals(dbBytes, g.sizeBytes());
        assertEquals("Array", g.holder().name());
        assertEquals("nameTable", g.chain().get(g.holderStep() + 1).edgeName(), "FS.nameTable, by its own name");
        assertEquals("FSNode", g.chain().get(3).node().name(), "the unminified build's MEMFS node");
        assertEquals("FSStream", g.alsoHeldBy(), "each file is also held by its never-closed stream");
        Suspect top = r.suspects().get(0);
        assertEquals(ops, top.count());
        assertEquals(ops * dbBytes, top.bytes());
        AnalysisResult fixed = snapshot(singleThreaded, "sqljs-memfs-leak", "fixed", "--build", "debug", "--db",
                db.toString(), "--db-mb", "0.1", "--ops", Integer.toString(ops));
        for (BufferGroup f : fixed.groups()) {
            assertTrue(f.count() == 1 || f.minBytes() != dbBytes, "a group of database copies: " + f);
        }
        assertTrue(fixed.suspects().stream().noneMatch(x -> x.bytes() >= 2 * dbBytes && x.holder().name().equals("Array")),
                fixed.suspects().toString());
    }

    @Test
    void sqlJsFixedModeHasNoSuchGroup() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("samples/sqljs-memfs-leak/node_modules/sql.js")), "run npm ci in samples/sqljs-memfs-leak");
        Path db = dir.resolve("fixed.db");
        AnalysisResult r = snapshot("sqljs-memfs-leak", "fixed", "--db", db.toString(), "--db-mb", "1");
        long dbBytes = Files.size(db);
        // the one open database has its one copy; a leak would make a group of them
        long copies = 0;
        for (BufferGroup g : r.groups()) {
            if (g.minBytes() <= dbBytes && dbBytes <= g.maxBytes()) {
                copies += g.count(); // a group of the database's size (or one that spans it)
            }
        }
        assertEquals(1, copies, "the open database's one copy, and no more: " + r.groups());
    }

    @Test
    void bufferSlabLeakShowsPoolSlabs() throws Exception {
        AnalysisResult leak = snapshot("buffer-slab-leak", "leak");
        BufferGroup top = leak.groups().get(0);
        assertEquals(8192, top.sizeBytes(), "whole 8 KiB pool slabs");
        assertTrue(top.count() >= OPS, "about two slabs per op: " + top.count());
        assertEquals("Array", top.holder().name(), "the array of kept headers");
        assertEquals("headers", top.chain().get(top.holderStep() + 1).edgeName());
        assertTrue(leak.verdict().contains("the size of Node's Buffer pool slabs"), leak.verdict());
        assertFalse(leak.verdict().contains("copied"), leak.verdict());
        AnalysisResult fixed = snapshot("buffer-slab-leak", "fixed");
        assertTrue(fixed.totals().nativeBytes() < leak.totals().nativeBytes() / 2,
                fixed.totals().nativeBytes() + " vs " + leak.totals().nativeBytes());
    }

    @Test
    void jsHeapLeakShowsInTheClassSummaryNotInBuffers() throws Exception {
        AnalysisResult leak = snapshot("js-heap-leak", "leak");
        AnalysisResult fixed = snapshot("js-heap-leak", "fixed");
        long leakMap = retainedOf(leak, "Map");
        long fixedMap = retainedOf(fixed, "Map");
        assertTrue(leakMap > fixedMap + OPS * 5_000L, leakMap + " vs " + fixedMap);
        assertTrue(leak.totals().nativeBytes() < 1 << 20, "not a native leak");
    }

    // ---- leak suspects: one sample per shape, each with a fixed mode that must come out clean ----

    private static final int CACHE_OPS = 20;
    private static final long CACHE_BUFFER = 256 * 1024;

    /** The suspect whose members are of {@code memberClass}, or null. */
    private static Suspect suspectOf(AnalysisResult r, String memberClass) {
        return r.suspects().stream().filter(x -> x.memberClass().equals(memberClass)).findFirst().orElse(null);
    }

    private static void assertOneCollection(AnalysisResult r, String container, String holderClass) {
        BufferGroup g = r.groups().get(0);
        assertEquals(CACHE_OPS, g.count(), container + ": one group of every buffer: " + r.groups());
        assertEquals(CACHE_BUFFER, g.sizeBytes());
        assertEquals(CACHE_OPS * CACHE_BUFFER, g.totalBytes());
        assertNotNull(g.holder(), container);
        assertEquals(holderClass, g.holder().name(), container + ": " + g.holder().label());
        Suspect top = r.suspects().get(0);
        assertEquals("native", top.kind());
        assertEquals(CACHE_OPS, top.count());
        assertEquals(CACHE_OPS * CACHE_BUFFER, top.bytes());
        assertEquals(g.holder().id(), top.holder().id());
        assertTrue(r.verdict().startsWith(CACHE_OPS + " × ArrayBuffer backing store of one size (256.0 KiB)"), r.verdict());
        assertTrue(r.verdict().contains("held by " + g.holder().label()), r.verdict());
        assertEquals(CACHE_OPS * CACHE_BUFFER, r.metrics().get("top-suspect-bytes"));
        assertEquals(CACHE_OPS, r.metrics().get("top-suspect-count"));
    }

    private static void assertCacheFixed(String container) throws Exception {
        AnalysisResult fixed = snapshot("buffer-cache-leak", "fixed", "--container", container, "--ops",
                Integer.toString(CACHE_OPS));
        for (BufferGroup g : fixed.groups()) {
            assertTrue(g.maxBytes() != CACHE_BUFFER, container + " fixed: a group of cached buffers " + g);
        }
        assertNull(suspectOf(fixed, "ArrayBuffer backing store"), container + " fixed: " + fixed.suspects());
    }

    private static AnalysisResult cache(String container) throws Exception {
        return snapshot("buffer-cache-leak", "leak", "--container", container, "--ops", Integer.toString(CACHE_OPS));
    }

    @Test
    void buffersInAMapAreOneGroupHeldByTheMapWithItsKeys() throws Exception {
        AnalysisResult r = cache("map");
        assertOneCollection(r, "map", "Map");
        BufferGroup g = r.groups().get(0);
        assertEquals(KEYS_SHOWN, g.keys().size(), "a few of the Map's keys: " + g.keys());
        assertTrue(g.keys().get(0).matches("\"[0-9a-f-]{36}\""), g.keys().toString());
        assertEquals("entries", g.chain().get(g.holderStep() + 1).edgeName(), "the user's name above the Map");
        assertEquals("ResponseCache", g.chain().get(g.holderStep() + 1).node().name());
        assertCacheFixed("map");
    }

    private static final int KEYS_SHOWN = 3;

    @Test
    void buffersInASetAreOneGroupHeldByTheSet() throws Exception {
        assertOneCollection(cache("set"), "set", "Set");
        assertCacheFixed("set");
    }

    @Test
    void buffersInAWeakMapAreOneGroupHeldByTheWeakMap() throws Exception {
        AnalysisResult r = cache("weakmap");
        assertOneCollection(r, "weakmap", "WeakMap");
        assertTrue(r.groups().get(0).keys().get(0).startsWith("Object @"), r.groups().get(0).keys().toString());
        assertCacheFixed("weakmap");
    }

    @Test
    void buffersInAnObjectUsedAsADictionaryAreOneGroupHeldByIt() throws Exception {
        AnalysisResult r = cache("object");
        assertOneCollection(r, "object", "Object");
        assertTrue(r.groups().get(0).keys().get(0).matches("[0-9a-f-]{36}"), r.groups().get(0).keys().toString());
        assertCacheFixed("object");
    }

    @Test
    void rowsOfTypedArraysAreOneGroupHeldByTheOuterArray() throws Exception {
        AnalysisResult r = cache("rows");
        assertOneCollection(r, "rows", "Array");
        BufferGroup g = r.groups().get(0);
        assertEquals("entries", g.chain().get(g.holderStep() + 1).edgeName(), "the outer array, not a row");
        assertCacheFixed("rows");
    }

    @Test
    void buffersInAPlainArrayAreOneGroupHeldByTheArray() throws Exception {
        assertOneCollection(cache("array"), "array", "Array");
        assertCacheFixed("array");
    }

    @Test
    void timersNeverClearedAreHeldByTheMapAndAlsoByTimeouts() throws Exception {
        int ops = 30;
        AnalysisResult r = snapshot("timer-leak", "leak", "--ops", Integer.toString(ops));
        BufferGroup g = r.groups().get(0);
        assertEquals(ops, g.count(), "one group whichever path is nearest: " + r.groups());
        assertEquals(64 * 1024L, g.sizeBytes());
        assertEquals("Map", g.holder().name());
        assertTrue(g.holderStep() > 0, "the chain shown passes through the Map");
        assertEquals("Timeout", g.alsoHeldBy());
        assertEquals(ops, g.alsoHeldCount());
        assertTrue(r.verdict().contains("also held by " + ops + " × Timeout"), r.verdict());
        assertTrue(r.verdict().contains("clearInterval"), r.verdict());
        assertFalse(r.verdict().contains("(synthetic)"), r.verdict());
        AnalysisResult fixed = snapshot("timer-leak", "fixed", "--ops", Integer.toString(ops));
        assertNull(suspectOf(fixed, "ArrayBuffer backing store"), fixed.suspects().toString());
    }

    @Test
    void zlibStreamsNeverEndedAreANativeSuspectHeldByTheMap() throws Exception {
        int ops = 30;
        AnalysisResult r = snapshot("zlib-stream-leak", "leak", "--ops", Integer.toString(ops));
        Suspect top = r.suspects().get(0);
        assertEquals("native", top.kind());
        assertEquals("Node / zlib_memory", top.memberClass());
        assertEquals(ops, top.count());
        assertTrue(top.bytes() >= ops * 200 * 1024L, "about 270 KiB a stream: " + top.bytes());
        assertEquals("Map", top.holder().name());
        assertTrue(r.verdict().startsWith(ops + " × Node / zlib_memory"), r.verdict());
        AnalysisResult fixed = snapshot("zlib-stream-leak", "fixed", "--ops", Integer.toString(ops));
        assertNull(suspectOf(fixed, "Node / zlib_memory"), fixed.suspects().toString());
    }

    @Test
    void aJsHeapLeakIsTheGrowingMapWithItsMemberCount() throws Exception {
        int ops = 200;
        AnalysisResult r = snapshot("js-heap-leak", "leak", "--ops", Integer.toString(ops));
        Suspect top = r.suspects().get(0);
        assertEquals("js", top.kind());
        assertEquals("onRequestDone()", top.memberClass());
        assertEquals(ops, top.count());
        assertTrue(top.bytes() >= ops * 10_000L, "about 10 KB each: " + top.bytes());
        assertEquals("Map", top.holder().name());
        assertEquals("handlers", top.chain().get(top.holderStep() + 1).edgeName());
        assertEquals(List.of("\"handler-0\"", "\"handler-1\"", "\"handler-2\""), top.keys());
        assertTrue(r.verdict().startsWith(ops + " × onRequestDone()"), r.verdict());
        AnalysisResult fixed = snapshot("js-heap-leak", "fixed", "--ops", Integer.toString(ops));
        assertNull(suspectOf(fixed, "onRequestDone()"), fixed.suspects().toString());
        assertTrue(fixed.suspects().stream().noneMatch(x -> x.kind().equals("js")), fixed.suspects().toString());
    }

    @Test
    void noSuspectNamesTheRootOrAMembersOwnArrayBuffer() throws Exception {
        for (AnalysisResult r : List.of(snapshot("timer-leak", "leak", "--ops", "30"), cache("map"))) {
            for (BufferGroup g : r.groups()) {
                if (g.holder() != null) {
                    assertFalse(g.holder().type().equals("synthetic"), g.holder().label());
                    assertFalse(g.holder().name().equals("ArrayBuffer"), g.holder().label());
                }
            }
        }
    }

    private static long retainedOf(AnalysisResult r, String name) {
        return r.classes().stream().filter(c -> c.name().equals(name)).mapToLong(ClassRow::retainedBytes).findFirst().orElse(0);
    }
}
