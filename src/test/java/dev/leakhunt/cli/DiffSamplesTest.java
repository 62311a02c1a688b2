package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.Streams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code leakhunt diff} on snapshots of real sql.js services, each written by the running process itself
 * ({@code GET /snapshot}), so that node ids are those of one process: A after {@value #WARMUP} operations, B after
 * {@value #FIRST} more, C after {@value #SECOND} more. Each leaking operation keeps one copy of the database.
 */
class DiffSamplesTest {
    static final int WARMUP = 2;
    static final int FIRST = 3;
    static final int SECOND = 2;
    private static final Pattern PORT = Pattern.compile("\"port\":(\\d+)");
    private static final Pattern PID = Pattern.compile("\"pid\":(\\d+)");
    private static final Pattern DB_BYTES = Pattern.compile("\"dbBytes\":(\\d+)");

    @TempDir
    static Path dir;

    static long dbBytes;
    static String leakA;
    static String leakB;
    static String leakC;
    static String fixedA;
    static String fixedB;
    static String otherB;

    @BeforeAll
    static void snapshotsOfRunningServices() throws Exception {
        assumeTrue(canRun("node", "--version"), "node is not installed");
        assumeTrue(Files.isDirectory(Path.of("samples/sqljs-memfs-leak/node_modules/sql.js")),
                "run npm ci in samples/sqljs-memfs-leak");
        Path db = dir.resolve("one-mib.db");
        try (Service leak = new Service("leak", db)) {
            dbBytes = leak.dbBytes;
            leakA = leak.snapshot("leak-A");
            leak.ops(FIRST);
            leakB = leak.snapshot("leak-B");
            leak.ops(SECOND);
            leakC = leak.snapshot("leak-C");
        }
        try (Service fixed = new Service("fixed", db)) {
            fixedA = fixed.snapshot("fixed-A");
            fixed.ops(FIRST);
            fixedB = fixed.snapshot("fixed-B");
        }
        try (Service other = new Service("leak", db)) {
            other.ops(FIRST);
            otherB = other.snapshot("other-B");
        }
    }

    private static boolean canRun(String... command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** One sqljs-memfs-leak process with a 1 MiB database, after {@value #WARMUP} operations. */
    static final class Service implements AutoCloseable {
        final Process process;
        final int port;
        final long pid;
        final long dbBytes;
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        Service(String mode, Path db) throws IOException {
            process = new ProcessBuilder("node", "samples/sqljs-memfs-leak/server.js", "--mode", mode, "--db",
                    db.toString(), "--db-mb", "1", "--ops", Integer.toString(WARMUP))
                    .redirectError(dir.resolve("service-" + mode + ".err").toFile()).start();
            String ready = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertNotNull(ready, "the service printed no ready line");
            port = Integer.parseInt(find(PORT, ready));
            pid = Long.parseLong(find(PID, ready));
            dbBytes = Long.parseLong(find(DB_BYTES, ready));
        }

        private static String find(Pattern p, String text) {
            Matcher m = p.matcher(text);
            assertTrue(m.find(), text);
            return m.group(1);
        }

        String get(String path) throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return r.body();
        }

        void ops(int n) throws IOException, InterruptedException {
            get("/op?n=" + n);
        }

        String snapshot(String name) throws IOException, InterruptedException {
            Path file = dir.resolve(name + ".heapsnapshot");
            get("/snapshot?file=" + URLEncoder.encode(file.toString(), StandardCharsets.UTF_8));
            assertTrue(Files.size(file) > 0);
            return file.toString();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The index of the buffer group whose members are all of the database's size, or -1. */
    private static int databaseGroup(Map<String, String> j) {
        for (int i = 0; j.containsKey("/diff/bufferGroups/" + i + "/class"); i++) {
            if (Long.toString(dbBytes).equals(j.get("/diff/bufferGroups/" + i + "/group/sizeBytes"))) {
                return i;
            }
        }
        return -1;
    }

    private static long metric(Map<String, String> j, String name) {
        return Long.parseLong(j.get("/metrics/" + name));
    }

    @Test
    void twoSnapshotsShowTheNewCopiesOfTheDatabaseInOneGroup() throws IOException {
        Cli r = Cli.run("diff", "--json", leakA, leakB, "--fail-if", "growth-bytes > 1MiB");
        assertEquals(1, r.exit(), r.toString());
        Map<String, String> j = Streams.pointers(r.out());
        assertEquals("ids", j.get("/diff/mode"));
        int g = databaseGroup(j);
        assertTrue(g >= 0, r.out());
        String group = "/diff/bufferGroups/" + g;
        assertEquals(Integer.toString(FIRST), j.get(group + "/group/count"));
        assertEquals(Long.toString(FIRST * dbBytes), j.get(group + "/group/totalBytes"));
        assertEquals(Integer.toString(WARMUP), j.get(group + "/before/count"), "A held the warm-up's copies");
        assertEquals("backing_store", j.get(group + "/group/chain/1/edgeName"));
        assertEquals("buffer", j.get(group + "/group/chain/2/edgeName"));
        assertEquals("property", j.get(group + "/group/chain/3/edgeType"), "the MEMFS node's contents");
        assertTrue(j.get(group + "/group/chain/3/node/hint").contains("dbfile_"), j.get(group + "/group/chain/3/node/hint"));
        assertTrue(Long.parseLong(j.get(group + "/group/commonDominator/retainedBytes")) >= (WARMUP + FIRST) * dbBytes);
        assertEquals("Array", j.get(group + "/group/holder/name"), "the MEMFS name table holds the new copies");
        assertEquals("native", j.get("/diff/suspects/0/kind"), "B's suspects, as analyze finds them");
        assertEquals(Integer.toString(WARMUP + FIRST), j.get("/diff/suspects/0/count"));
        assertEquals(Long.toString((WARMUP + FIRST) * dbBytes), j.get("/diff/suspects/0/bytes"));
        assertEquals("Array", j.get("/diff/suspects/0/holder/name"));

        assertEquals(FIRST * dbBytes, metric(j, "largest-growth-bytes"));
        assertEquals(FIRST, metric(j, "largest-growth-count"));
        long growth = metric(j, "growth-bytes");
        assertTrue(growth >= FIRST * dbBytes && growth < FIRST * dbBytes + (1 << 20), "growth " + growth);
        assertTrue(metric(j, "new-native-bytes") >= FIRST * dbBytes);
        assertTrue(j.get("/diff/verdict").startsWith(FIRST + " new buffers of exactly 1.0 MiB hold 3.0 MiB"),
                j.get("/diff/verdict"));
        assertEquals("leakhunt diff: assertion failed: growth-bytes > 1MiB (growth-bytes is "
                + dev.leakhunt.analysis.Units.bytes(growth) + ")\n", r.err());
    }

    @Test
    void theFixedModeShowsNoGrowthOfNativeMemory() throws IOException {
        Cli r = Cli.run("diff", "--json", fixedA, fixedB, "--fail-if", "growth-bytes > 1MiB");
        assertEquals(0, r.exit(), r.toString());
        Map<String, String> j = Streams.pointers(r.out());
        assertEquals("ids", j.get("/diff/mode"));
        assertEquals(-1, databaseGroup(j), r.out());
        assertTrue(metric(j, "new-native-bytes") < dbBytes);
        assertTrue(metric(j, "growth-bytes") < 1 << 20);
        assertEquals("null", j.get("/diff/verdict"));
        assertEquals("", r.err());
    }

    @Test
    void threeSnapshotsKeepWhatWasAllocatedBetweenTheFirstTwoAndSurvives() throws IOException {
        Cli r = Cli.run("diff", "--json", leakA, leakB, leakC);
        assertEquals(0, r.exit(), r.toString());
        Map<String, String> j = Streams.pointers(r.out());
        assertEquals("survivors", j.get("/diff/mode"));
        int g = databaseGroup(j);
        assertTrue(g >= 0, r.out());
        assertEquals(Integer.toString(FIRST), j.get("/diff/bufferGroups/" + g + "/group/count"),
                "the copies made after B are not counted");
        assertEquals(FIRST * dbBytes, metric(j, "largest-growth-bytes"));
        long allocated = Long.parseLong(j.get("/diff/allocated/count"));
        long survived = Long.parseLong(j.get("/diff/added/count"));
        assertTrue(survived < allocated, "requests' objects allocated between A and B are gone by C: "
                + survived + " of " + allocated);
        // the group as a whole, A → C, holds every copy
        assertEquals(Integer.toString(WARMUP + FIRST + SECOND), j.get("/diff/groupChanges/0/after/count"));
    }

    @Test
    void twoProcessesAreComparedByTotals() throws IOException {
        Cli r = Cli.run("diff", leakA, otherB, "--fail-if", "largest-growth-bytes > 1MiB");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("do not name the same objects"), r.err());
        assertTrue(r.out().startsWith("Diff by class and backing-store totals"), r.out());
        String sizes = dev.leakhunt.analysis.Units.bytes(dbBytes);
        assertTrue(r.out().contains("#1  " + WARMUP + " → " + (WARMUP + FIRST) + " × system / JSArrayBufferData @ "
                + sizes), r.out());
        assertFalse(r.out().contains("New in B"), r.out());
    }

    /**
     * The CI script's way: two runs of {@code leakhunt snapshot}. Each inspector session that ends clears V8's object
     * ids ({@code HeapProfiler.disable}), so the second snapshot's ids name other objects; the diff says so and
     * compares totals, which still finds the group that grew.
     */
    @Test
    void snapshotsOfSeparateInspectorSessionsAreComparedByTotals() throws Exception {
        Path a = dir.resolve("inspector-A.heapsnapshot");
        Path b = dir.resolve("inspector-B.heapsnapshot");
        try (Service leak = new Service("leak", dir.resolve("one-mib.db"))) {
            Cli first = Cli.run("snapshot", Long.toString(leak.pid), "-o", a.toString(), "--no-analyze");
            assertEquals(0, first.exit(), first.toString());
            leak.ops(FIRST);
            Cli second = Cli.run("snapshot", Long.toString(leak.pid), "-o", b.toString(), "--no-analyze");
            assertEquals(0, second.exit(), second.toString());
        }
        Cli r = Cli.run("diff", "--json", a.toString(), b.toString(), "--fail-if", "growth-bytes > 1MiB");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("an inspector session ended between the snapshots"), r.err());
        Map<String, String> j = Streams.pointers(r.out());
        assertEquals("totals", j.get("/diff/mode"));
        assertTrue(databaseGroup(j) >= 0, r.out());
        // Every copy, before and after. Usually in one group; but the MEMFS files' random names can collide in
        // Emscripten's name hash table, and a file behind another in its bucket is held through the other's
        // name_next: a chain of its own, so a group of its own.
        long after = 0;
        long before = 0;
        long largestGrowth = 0;
        for (int g = 0; j.containsKey("/diff/bufferGroups/" + g + "/class"); g++) {
            if (Long.toString(dbBytes).equals(j.get("/diff/bufferGroups/" + g + "/group/sizeBytes"))) {
                long inB = Long.parseLong(j.get("/diff/bufferGroups/" + g + "/group/count"));
                long inA = Long.parseLong(j.get("/diff/bufferGroups/" + g + "/before/count"));
                after += inB;
                before += inA;
                largestGrowth = Math.max(largestGrowth, (inB - inA) * dbBytes);
            }
        }
        assertEquals(WARMUP + FIRST, after, r.out());
        assertEquals(WARMUP, before, r.out());
        assertEquals(largestGrowth, metric(j, "largest-growth-bytes"));
        assertTrue(largestGrowth >= dbBytes, r.out());
    }

    @Test
    void nearestRetainersFollowTheChainRuleOnARealSnapshot() throws IOException {
        HeapGraph graph = HeapGraph.build(new SnapshotReader(Path.of(leakB)).read());
        int[] expected = dev.leakhunt.testing.ChainRule.nearestEdges(graph);
        for (int v = 0; v < graph.snapshot().nodeCount(); v++) {
            assertEquals(expected[v], graph.nearestEdge(v), "edge to " + v);
        }
    }
}
