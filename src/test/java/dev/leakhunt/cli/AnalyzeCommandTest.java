package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Black-box tests of {@code leakhunt analyze}: exit codes, stdout and stderr. */
class AnalyzeCommandTest {
    static final Path SHIPPED = Path.of("samples/sqljs-memfs-leak.heapsnapshot.gz");

    @TempDir
    Path dir;

    /**
     * Three buffers of 1000 bytes held in an array under a "files" table (the leak), and one 500-byte buffer
     * elsewhere.
     */
    static SnapshotBuilder leak() {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 40);
        int table = b.node("object", "Kb", 32);
        int name = b.node("string", "dbfile_1592184537", 40);
        int files = b.node("object", "Array", 16);
        b.edge(b.root(), "shortcut", "global", global).prop(global, "table", table).prop(table, "name", name)
                .prop(table, "files", files);
        for (int i = 0; i < 3; i++) {
            int view = b.node("object", "Uint8Array", 64);
            int ab = b.node("object", "ArrayBuffer", 80);
            int store = b.node("native", "system / JSArrayBufferData", 1000);
            b.edge(files, "element", i, view).edge(view, "internal", "buffer", ab)
                    .edge(ab, "internal", "backing_store", store);
        }
        int other = b.node("object", "ArrayBuffer", 80);
        int otherStore = b.node("native", "system / JSArrayBufferData", 500);
        b.prop(global, "scratch", other).edge(other, "internal", "backing_store", otherStore);
        return b;
    }

    @Test
    void reportsTheLargestGroupItsChainAndCommonDominator() throws IOException {
        Path file = leak().write(dir.resolve("leak.heapsnapshot"));
        Cli r = Cli.run("analyze", file.toString());
        assertEquals(0, r.exit(), r.toString());
        assertEquals("", r.err());
        assertTrue(r.out().contains("#1  3 × system / JSArrayBufferData @ 1000 B = 2.9 KiB"), r.out());
        assertTrue(r.out().contains("← backing_store in ArrayBuffer @"), r.out());
        assertTrue(r.out().contains("← buffer in Uint8Array @"), r.out());
        assertTrue(r.out().contains("← [2] in Array @") || r.out().contains("← [0] in Array @"), r.out());
        assertTrue(r.out().contains("← files in Kb {name: \"dbfile_1592184537\", files} @"), r.out());
        assertTrue(r.out().contains("3 of 3 share this chain"), r.out());
        assertTrue(r.out().contains("common dominator: Array @"), r.out());
        assertTrue(r.out().contains("#2  1 × system / JSArrayBufferData @ 500 B = 500 B"), r.out());
        assertTrue(r.out().contains("Verdict: 3 × ArrayBuffer backing store of one size (1000 B) hold 2.9 KiB"), r.out());
        assertTrue(r.out().contains("holder: Array @"), r.out());
    }

    @Test
    void jsonHasTheDocumentedShape() throws IOException {
        Path file = leak().write(dir.resolve("leak.heapsnapshot"));
        Cli r = Cli.run("analyze", "--json", file.toString());
        assertEquals(0, r.exit(), r.toString());
        List<String> fields = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(r.out())) {
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME) {
                    p.nextToken();
                    fields.add(p.getParsingContext().pathAsPointer().toString().replaceAll("/\\d+", "/#")
                            + (p.currentToken().isScalarValue() ? "=" + p.getValueAsString() : ""));
                }
            }
        }
        assertTrue(fields.contains("/schema=leakhunt/1"), fields.toString());
        assertTrue(fields.contains("/snapshot/nodeCount=16"), fields.toString());
        assertTrue(fields.contains("/totals/nativeBytes=3500"), fields.toString());
        assertTrue(fields.contains("/groups/#/count=3"), fields.toString());
        assertTrue(fields.contains("/groups/#/sizeBytes=1000"), fields.toString());
        assertTrue(fields.contains("/groups/#/totalBytes=3000"), fields.toString());
        assertTrue(fields.contains("/groups/#/chain/#/edgeName=backing_store"), fields.toString());
        assertTrue(fields.contains("/groups/#/chain/#/node/hint={name: \"dbfile_1592184537\", files}"), fields.toString());
        assertTrue(fields.contains("/groups/#/commonDominator/name=Array"), fields.toString());
        assertTrue(fields.contains("/groups/#/commonDominator/retainedBytes=3448"), fields.toString());
        assertTrue(fields.contains("/metrics/largest-group-bytes=3000"), fields.toString());
        assertTrue(fields.contains("/metrics/largest-group-count=3"), fields.toString());
        assertTrue(fields.contains("/classes/#/name=ArrayBuffer"), fields.toString());
    }

    @Test
    void failIfExitsOneAndSaysWhichHeld() throws IOException {
        Path file = leak().write(dir.resolve("leak.heapsnapshot"));
        Cli held = Cli.run("analyze", file.toString(), "--fail-if", "native-bytes > 3KiB", "--fail-if", "largest-group-count >= 4");
        assertEquals(1, held.exit(), held.toString());
        assertEquals("leakhunt analyze: assertion failed: native-bytes > 3KiB (native-bytes is 3.4 KiB)\n", held.err());
        Cli passes = Cli.run("analyze", file.toString(), "--fail-if", "native-bytes > 1MB");
        assertEquals(0, passes.exit(), passes.toString());
        Cli suspect = Cli.run("analyze", file.toString(), "--fail-if", "top-suspect-count >= 3", "--fail-if",
                "top-suspect-bytes > 1MiB");
        assertEquals(1, suspect.exit(), suspect.toString());
        assertEquals("leakhunt analyze: assertion failed: top-suspect-count >= 3 (top-suspect-count is 3)\n", suspect.err());
        Cli unknown = Cli.run("analyze", file.toString(), "--fail-if", "heap > 1");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().startsWith("leakhunt analyze: unknown metric 'heap' in --fail-if 'heap > 1'; known: native-bytes, "), unknown.err());
        Cli malformed = Cli.run("analyze", file.toString(), "--fail-if", "native-bytes is big");
        assertEquals(2, malformed.exit());
        assertTrue(malformed.err().contains("bad --fail-if 'native-bytes is big'"), malformed.err());
        Cli badUnit = Cli.run("analyze", file.toString(), "--fail-if", "native-bytes > 3 parsecs");
        assertEquals(2, badUnit.exit());
        assertTrue(badUnit.err().contains("unknown unit 'parsecs'"), badUnit.err());
    }

    private Cli analyzeBad(String name, byte[] content) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, content);
        return Cli.run("analyze", file.toString());
    }

    private static void assertBadInput(Cli r, String expectedStart) {
        assertEquals(3, r.exit(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("leakhunt analyze: " + expectedStart), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void everyBadInputIsOneLineAndExitThree() throws IOException {
        String good = leak().toJson();
        assertBadInput(analyzeBad("empty.heapsnapshot", new byte[0]), "file is empty: '");
        assertBadInput(analyzeBad("text.heapsnapshot", "hello world".getBytes(StandardCharsets.US_ASCII)), "not a heap snapshot: '");
        assertBadInput(analyzeBad("x.json", "{\"a\": [1, 2]}".getBytes(StandardCharsets.US_ASCII)), "not a heap snapshot: '");
        int inNodes = good.indexOf("\"nodes\":[") + 20;
        assertBadInput(analyzeBad("n.heapsnapshot", good.substring(0, inNodes).getBytes(StandardCharsets.US_ASCII)), "truncated snapshot '");
        int inEdges = good.indexOf("\"edges\":[") + 20;
        assertBadInput(analyzeBad("e.heapsnapshot", good.substring(0, inEdges).getBytes(StandardCharsets.US_ASCII)), "truncated snapshot '");
        int inStrings = good.indexOf("\"strings\":[") + 20;
        assertBadInput(analyzeBad("s.heapsnapshot", good.substring(0, inStrings).getBytes(StandardCharsets.US_ASCII)), "truncated snapshot '");
        assertBadInput(analyzeBad("c.heapsnapshot", good.replace("\"node_count\":16", "\"node_count\":17").getBytes(StandardCharsets.US_ASCII)), "corrupt snapshot '");
        String farEdge = good.replaceFirst(",7(,\\n|\\])", ",7000$1");
        assertBadInput(analyzeBad("t.heapsnapshot", farEdge.getBytes(StandardCharsets.US_ASCII)), "corrupt snapshot '");
        byte[] gz = Files.readAllBytes(leak().writeGzip(dir.resolve("ok.gz")));
        gz[gz.length / 2] ^= 0x7f;
        gz[gz.length / 2 + 1] ^= 0x7f;
        assertBadInput(analyzeBad("bad.gz", gz), "");
        assertBadInput(Cli.run("analyze", dir.toString()), "is a directory, not a heap snapshot: '");
        assertBadInput(Cli.run("analyze", dir.resolve("missing.heapsnapshot").toString()), "no such file: '");
    }

    @Test
    void aSnapshotTooLargeForTheHeapFailsBeforeParsingAndNamesTheXmx() throws IOException {
        // The header alone claims 400 M nodes: the check runs before any array is allocated or number read.
        // The file is sparse: long enough to hold the numbers it claims (2 bytes each), so the check of the counts
        // against the file passes and the heap's is the one that speaks.
        String huge = leak().toJson().replace("\"node_count\":16", "\"node_count\":400000000")
                .replace("\"edge_count\":15", "\"edge_count\":1200000000");
        Path file = dir.resolve("huge.heapsnapshot");
        Files.writeString(file, huge, StandardCharsets.US_ASCII);
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(2 * (400_000_000L * 7 + 1_200_000_000L * 3) + 2);
        }
        Cli r = Cli.run("analyze", file.toString());
        assertBadInput(r, "snapshot too large for this heap: '");
        Cli small = analyzeBad("small.heapsnapshot", huge.getBytes(StandardCharsets.US_ASCII));
        assertBadInput(small, "corrupt snapshot '");
        assertTrue(small.err().contains("(the header claims 400000000 nodes and 1200000000 edges, 6400000000 numbers, "
                + "more than a file of its size can hold)"), small.err());
        assertTrue(r.err().matches("(?s).*400,000,000 nodes and 1,200,000,000 edges, which need about [0-9.]+ GiB but the JVM may use .*; run with JAVA_OPTS=-Xmx\\d+g\n"), r.err());
    }

    @Test
    void usageErrorsExitTwo() {
        Cli r = Cli.run("analyze");
        assertEquals(2, r.exit());
        assertEquals("leakhunt analyze: missing required parameter: 'FILE' (see 'leakhunt analyze --help')\n", r.err());
        assertEquals(2, Cli.run("analyze", "--top", "many", "x").exit());
        assertEquals(2, Cli.run("frobnicate").exit());
        for (String[] args : new String[][] {{"--top", "-1"}, {"--classes", "-1"}}) {
            Cli negative = Cli.run("analyze", "x.heapsnapshot", args[0], args[1]);
            assertEquals(2, negative.exit(), negative.toString());
            assertEquals("leakhunt analyze: " + args[0] + " takes a count from 0, not -1 (see 'leakhunt analyze --help')\n",
                    negative.err());
        }
        Cli diff = Cli.run("diff", "a", "b", "--top", "-1");
        assertEquals(2, diff.exit());
        assertTrue(diff.err().startsWith("leakhunt diff: --top takes a count from 0, not -1"), diff.err());
        Cli typo = Cli.run("analyze", "x.heapsnapshot", "--tpo", "3");
        assertEquals(2, typo.exit());
        assertEquals("leakhunt analyze: unknown option '--tpo'; did you mean '--top'? (see 'leakhunt analyze --help')\n",
                typo.err());
        Cli command = Cli.run("analyz", "x.heapsnapshot");
        assertEquals(2, command.exit());
        assertEquals("leakhunt: unknown command 'analyz'; did you mean 'analyze'? (see 'leakhunt --help')\n", command.err());
        Cli pid = Cli.run("snapshot", "abc");
        assertEquals(2, pid.exit());
        assertTrue(pid.err().contains("'abc' is not a pid: a process id is a whole number from 1"), pid.err());
        assertEquals(1, pid.err().lines().count(), pid.err());
        assertEquals(2, Cli.run("watch", "0").exit(), "0 is no process");
    }

    @Test
    void helpVersionAndCompletion() {
        Cli help = Cli.run("help", "analyze");
        assertEquals(0, help.exit());
        for (String option : new String[] {"--json", "--top", "--classes", "--fail-if", "--no-progress"}) {
            assertTrue(help.out().contains(option), option + " in " + help.out());
        }
        Cli version = Cli.run("--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().startsWith("leakhunt "), version.out());
        Cli completion = Cli.run("generate-completion");
        assertEquals(0, completion.exit());
        assertTrue(completion.out().contains("complete -F"), "a bash completion script");
        assertTrue(completion.out().contains("analyze"), "knows the subcommands");
    }

    @Test
    void theShippedSampleShowsTheStory() throws IOException {
        long dbBytes = 2883584;
        Cli r = Cli.run("analyze", "--json", "--top", "1", SHIPPED.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("\"count\" : 50,"), r.out());
        assertTrue(r.out().contains("\"sizeBytes\" : " + dbBytes + ","), r.out());
        assertTrue(r.out().contains("\"totalBytes\" : " + 50 * dbBytes + ","), r.out());
        assertTrue(r.out().contains("dbfile_"), "the MEMFS node's hint names the file");
        Cli text = Cli.run("analyze", SHIPPED.toString());
        assertTrue(text.out().contains("#1  50 × system / JSArrayBufferData @ 2.8 MiB = 137.5 MiB"), text.out());
    }
}
