package dev.leakhunt.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
        Path file = dir.resolve(sample + "-" + mode + ".heapsnapshot");
        List<String> command = new ArrayList<>(List.of("node", "samples/" + sample + "/server.js", "--mode", mode,
                "--ops", Integer.toString(OPS), "--snapshot", file.toString()));
        command.addAll(List.of(extra));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(sample + ".log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), sample + " did not finish");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve(sample + ".log")));
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
        assertEquals(OPS, top.count());
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
    void sqlJsFixedModeHasNoSuchGroup() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("samples/sqljs-memfs-leak/node_modules/sql.js")), "run npm ci in samples/sqljs-memfs-leak");
        Path db = dir.resolve("fixed.db");
        AnalysisResult r = snapshot("sqljs-memfs-leak", "fixed", "--db", db.toString(), "--db-mb", "1");
        long dbBytes = Files.size(db);
        for (BufferGroup g : r.groups()) {
            assertTrue(g.count() == 1 || g.minBytes() != dbBytes, "a group of database copies: " + g);
        }
    }

    @Test
    void bufferSlabLeakShowsPoolSlabs() throws Exception {
        AnalysisResult leak = snapshot("buffer-slab-leak", "leak");
        BufferGroup top = leak.groups().get(0);
        assertEquals(8192, top.sizeBytes(), "whole 8 KiB pool slabs");
        assertTrue(top.count() >= OPS, "about two slabs per op: " + top.count());
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

    private static long retainedOf(AnalysisResult r, String name) {
        return r.classes().stream().filter(c -> c.name().equals(name)).mapToLong(ClassRow::retainedBytes).findFirst().orElse(0);
    }
}
