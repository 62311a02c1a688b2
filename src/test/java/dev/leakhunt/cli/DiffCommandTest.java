package dev.leakhunt.cli;

import static dev.leakhunt.analysis.DiffTest.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.leakhunt.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Black-box tests of {@code leakhunt diff}: exit codes, stdout and stderr. */
class DiffCommandTest {
    @TempDir
    Path dir;

    String a;
    String b;
    String c;

    /** A: two buffers of 1000 bytes; B: five (3 new, 3240 bytes with their ArrayBuffers); C: B's third only. */
    @BeforeEach
    void snapshots() throws IOException {
        a = service(1, true, 0, false, 0, 1).write(dir.resolve("a.heapsnapshot")).toString();
        b = service(1, false, 1, false, 0, 1, 2, 3, 4).writeGzip(dir.resolve("b.heapsnapshot.gz")).toString();
        c = service(1, false, 2, false, 0, 1, 2).write(dir.resolve("c.heapsnapshot")).toString();
    }

    @Test
    void textShowsTheNewGroupItsChainAndWhatWasFreed() {
        Cli r = Cli.run("diff", a, b);
        assertEquals(0, r.exit(), r.toString());
        assertEquals("", r.err());
        assertTrue(r.out().startsWith("Diff of two snapshots of one process, matched by node id"), r.out());
        assertTrue(r.out().contains("New in B: 6 objects, 3.2 KiB · of which 3 backing stores, 2.9 KiB"), r.out());
        assertTrue(r.out().contains("Freed: 1 object of A is gone from B, 48 B"), r.out());
        assertTrue(r.out().contains("#1  +3 × system / JSArrayBufferData @ 1000 B = 2.9 KiB · retained 2.9 KiB · A had 2 (2.0 KiB) with this chain"), r.out());
        assertTrue(r.out().contains("← backing_store in ArrayBuffer @"), r.out());
        assertTrue(r.out().contains("← cache in global @"), r.out());
        assertTrue(r.out().contains("3 of 3 share this chain"), r.out());
        assertTrue(r.out().contains("common dominator: Array @"), r.out());
        assertTrue(r.out().contains("#1  +3 × ArrayBuffer @ 80 B = 240 B · retained 3.2 KiB"), r.out());
        assertTrue(r.out().contains("2 → 5  2.0 KiB → 4.9 KiB  +2.9 KiB  backing_store in ArrayBuffer ← [] in Array ← cache in global"), r.out());
        assertTrue(r.out().contains("Thing"), r.out());
    }

    @Test
    void failIfExitsOneWhenAnAssertionHolds() {
        Cli held = Cli.run("diff", a, b, "--fail-if", "growth-bytes > 1KiB", "--fail-if", "new-objects > 100");
        assertEquals(1, held.exit(), held.toString());
        assertEquals("leakhunt diff: assertion failed: growth-bytes > 1KiB (growth-bytes is 3.2 KiB)\n", held.err());

        assertEquals(1, Cli.run("diff", a, b, "--fail-if", "largest-growth-count >= 3").exit());
        assertEquals(1, Cli.run("diff", a, b, "--fail-if", "largest-growth-bytes == 3000").exit());
        assertEquals(1, Cli.run("diff", a, b, "--fail-if", "freed-objects > 0").exit());
        Cli passed = Cli.run("diff", a, b, "--fail-if", "growth-bytes > 1MiB", "--fail-if", "new-native-bytes > 3000");
        assertEquals(0, passed.exit(), passed.toString());
        assertEquals("", passed.err());
    }

    @Test
    void threeSnapshotsKeepTheSurvivors() {
        Cli r = Cli.run("diff", a, b, c, "--fail-if", "largest-growth-count > 1");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("objects allocated between A and B still alive in C"), r.out());
        assertTrue(r.out().contains("Allocated between A and B: 6 objects, 3.2 KiB; 4 of them freed by C"), r.out());
        assertTrue(r.out().contains("Still alive in C: 2 objects, 1.1 KiB"), r.out());
        assertTrue(r.out().contains("#1  +1 × system / JSArrayBufferData @ 1000 B = 1000 B"), r.out());
    }

    @Test
    void differentProcessesAreSaidOnStderrAndComparedByTotals() throws IOException {
        String other = service(1, true, 3, true, 0, 1, 2, 3, 4).write(dir.resolve("other.heapsnapshot")).toString();
        Cli r = Cli.run("diff", a, other, "--fail-if", "growth-bytes > 1KiB");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().startsWith("leakhunt diff: the node ids of '" + a + "' and '" + other + "' do not name the"
                + " same objects (of the ids both hold, 25% of those sampled agree): different processes, or an"
                + " inspector session ended between the snapshots, which resets V8's ids; comparing class and"
                + " backing-store totals instead (diff --pid takes snapshots whose ids match)\n"), r.err());
        assertTrue(r.out().startsWith("Diff by class and backing-store totals: the node ids do not match"), r.out());
        assertTrue(r.out().contains("#1  2 → 5 × system / JSArrayBufferData @ 1000 B: 2.0 KiB → 4.9 KiB (+2.9 KiB)"), r.out());
    }

    @Test
    void jsonIsOneDocumentWithTheDiffAndTheMetrics() throws IOException {
        Cli r = Cli.run("diff", "--json", a, b, "--fail-if", "growth-bytes > 1KiB");
        assertEquals(1, r.exit(), r.toString());
        Map<String, String> values = scalars(r.out());
        assertEquals("leakhunt/1", values.get("/schema"));
        assertEquals("diff", values.get("/command"));
        assertEquals("ids", values.get("/diff/mode"));
        assertEquals("true", values.get("/diff/identity/sameProcess"));
        assertEquals(a, values.get("/diff/snapshots/0/file"));
        assertEquals("3", values.get("/diff/bufferGroups/0/group/count"));
        assertEquals("1000", values.get("/diff/bufferGroups/0/group/sizeBytes"));
        assertEquals("3000", values.get("/diff/bufferGroups/0/group/totalBytes"));
        assertEquals("2", values.get("/diff/bufferGroups/0/before/count"));
        assertEquals("backing_store", values.get("/diff/bufferGroups/0/group/chain/1/edgeName"));
        assertEquals("Array", values.get("/diff/bufferGroups/0/group/commonDominator/name"));
        assertEquals("system / JSArrayBufferData <- backing_store in ArrayBuffer <- [] in Array <- cache in global",
                values.get("/diff/bufferGroups/0/signature"));
        assertEquals("ArrayBuffer", values.get("/diff/objectGroups/0/class"));
        assertEquals("3240", values.get("/diff/objectGroups/0/retainedBytes"));
        assertEquals("1", values.get("/diff/freed/count"));
        assertEquals("3240", values.get("/metrics/growth-bytes"));
        assertEquals("6", values.get("/metrics/new-objects"));
        assertEquals("3000", values.get("/metrics/largest-growth-bytes"));
        assertEquals("3", values.get("/metrics/largest-growth-count"));
        assertEquals("growth-bytes > 1KiB", values.get("/failed/0"));
        assertEquals("leakhunt diff: assertion failed: growth-bytes > 1KiB (growth-bytes is 3.2 KiB)\n", r.err());
    }

    /** Every scalar of a JSON document by its JSON pointer. */
    private static Map<String, String> scalars(String json) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t.isScalarValue()) {
                    out.put(p.getParsingContext().pathAsPointer().toString(), p.getValueAsString("null"));
                }
            }
            assertEquals(null, p.nextToken(), "one document");
        }
        return out;
    }

    @Test
    void usageErrorsExitTwo() {
        Cli one = Cli.run("diff", a);
        assertEquals(2, one.exit(), one.toString());
        assertTrue(one.err().startsWith("leakhunt diff: "), one.err());
        Cli four = Cli.run("diff", a, b, c, a);
        assertEquals(2, four.exit(), four.toString());
        assertEquals("leakhunt diff: give two or three snapshot files, not 4\n", four.err());
        Cli metric = Cli.run("diff", a, b, "--fail-if", "native-bytes > 1MiB");
        assertEquals(2, metric.exit(), metric.toString());
        assertTrue(metric.err().contains("unknown metric 'native-bytes'"), metric.err());
        assertTrue(metric.err().contains("known: growth-bytes, new-objects, new-native-bytes, largest-growth-bytes, "
                + "largest-growth-count, freed-objects, freed-bytes"), metric.err());
        assertEquals("", metric.out());
    }

    @Test
    void badInputExitsThreeNamingTheFile() throws IOException {
        String missing = dir.resolve("missing.heapsnapshot").toString();
        Cli r = Cli.run("diff", a, missing);
        assertEquals(3, r.exit(), r.toString());
        assertEquals("leakhunt diff: no such file: '" + missing + "'\n", r.err());
        assertEquals("", r.out());

        Path notSnapshot = Files.writeString(dir.resolve("x.json"), "{\"hello\": [1, 2, 3]}\n");
        Cli bad = Cli.run("diff", notSnapshot.toString(), a);
        assertEquals(3, bad.exit(), bad.toString());
        assertTrue(bad.err().startsWith("leakhunt diff: ") && bad.err().contains("'" + notSnapshot + "'"), bad.err());
        assertFalse(bad.err().contains("Exception"), bad.err());
        assertEquals(1, bad.err().lines().count(), bad.err());

        Path empty = Files.writeString(dir.resolve("empty.heapsnapshot"), "");
        Cli e = Cli.run("diff", a, b, empty.toString());
        assertEquals(3, e.exit(), e.toString());
        assertEquals("leakhunt diff: file is empty: '" + empty + "'\n", e.err());
    }
}
