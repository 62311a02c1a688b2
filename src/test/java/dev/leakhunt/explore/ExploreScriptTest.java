package dev.leakhunt.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.analysis.BufferGroup;
import dev.leakhunt.analysis.ChainStep;
import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.JsonTree;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every explore command through the scripted path, on the shipped sql.js snapshot (50 operations, each leaving a
 * 2,883,584-byte database copy). Ids come from the analysis, not from this file.
 */
class ExploreScriptTest {
    static final Path SAMPLE = Path.of("samples/sqljs-memfs-leak.heapsnapshot.gz");
    static final int OPS = 50;
    static final long DB_BYTES = 2_883_584;

    static Session session;
    static BufferGroup leak;
    static long storeId;
    static long arrayBufferId;
    static long bufferId;
    static long ownerId;
    static long dominatorId;

    @BeforeAll
    static void load() throws IOException {
        session = Session.open(HeapGraph.build(new SnapshotReader(SAMPLE).read()));
        leak = session.analysis().groups().get(0);
        List<ChainStep> chain = leak.chain();
        storeId = chain.get(0).node().id();
        arrayBufferId = chain.get(1).node().id();
        bufferId = chain.get(2).node().id();
        ownerId = chain.get(3).node().id();
        dominatorId = leak.commonDominator().id();
    }

    /** What a script printed, and how it ended. */
    record Run(Shell.Status status, String out, String err) {
        @Override
        public String toString() {
            return status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Run run(boolean json, String... commands) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Shell.Status status = new Shell(session, json, false).runScript(List.of(commands), new PrintWriter(out, true),
                new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    static Run run(String... commands) {
        return run(false, commands);
    }

    static List<String> lines(String text) {
        return List.of(text.split("\n"));
    }

    @Test
    void theSampleIsTheLeakWeExpect() {
        assertEquals(OPS, leak.count());
        assertEquals(DB_BYTES, leak.sizeBytes());
        assertEquals("ArrayBuffer", leak.chain().get(1).node().name());
    }

    @Test
    void summaryShowsTotalsAndTheVerdict() {
        Run r = run("summary");
        assertEquals(Shell.Status.OK, r.status(), r.toString());
        assertTrue(r.out().contains("51,986 nodes"), r.toString());
        assertTrue(r.out().contains("Verdict: " + OPS + " × ArrayBuffer backing store of one size (2.8 MiB)"), r.toString());
        assertTrue(r.out().contains("held by Array @90669 (Q of system / Context"), r.toString());
    }

    @Test
    void suspectsNamesTheDatabaseCopiesAndTheirHolder() {
        Run r = run("suspects 1");
        assertEquals(Shell.Status.OK, r.status(), r.toString());
        assertTrue(r.out().startsWith("Leak suspects (best first)"), r.toString());
        assertTrue(r.out().contains("native  " + OPS + " × ArrayBuffer backing store  137.5 MiB"), r.toString());
        assertTrue(r.out().contains("Array @90669"), r.toString());
        assertEquals(Shell.Status.USAGE, run("suspects 0").status());
    }

    @Test
    void groupsPrintsTheLeakFirstAndCanGoBeyondTheAnalysis() {
        Run r = run("groups 2");
        assertTrue(r.out().startsWith("ArrayBuffer backing-store groups (2 largest"), r.toString());
        assertTrue(r.out().contains("#1  50 × system / JSArrayBufferData @ 2.8 MiB = 137.5 MiB"), r.toString());
        assertTrue(r.out().contains("#2 "), r.toString());
        assertFalse(r.out().contains("#3 "), r.toString());
        Run more = run("groups " + (Session.TOP_GROUPS + 2));
        assertTrue(more.out().contains("#" + (Session.TOP_GROUPS + 2) + " "), more.toString());
    }

    @Test
    void classesFilters() {
        Run r = run("classes kb", "classes no-such-class");
        assertTrue(r.out().matches("(?s)Classes by retained size \\(top 1\\)\n.*\n +69 +10\\.2 KiB +137\\.5 MiB +Kb\n.*"),
                r.toString());
        assertTrue(r.out().contains("No class matches 'no-such-class'."), r.toString());
    }

    @Test
    void showListsTheNodeAndItsEdges() {
        Run r = run("show @" + ownerId);
        List<String> lines = lines(r.out());
        assertTrue(lines.get(0).startsWith("Kb {name: \"dbfile_") && lines.get(0).contains("@" + ownerId + "  at sql.js/"), r.toString());
        assertTrue(lines.get(1).contains("object · self 152 B · retained 2.8 MiB")
                && lines.get(1).contains("dominator system / Context"), r.toString());
        assertTrue(r.out().contains("edges"), r.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches(" +property +name +.*\"dbfile_\\d+\" @\\d+")), r.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches(" +property +\\S+ .* 2\\.8 MiB +Buffer @" + bufferId)), r.toString());

        Run one = run("show -n 1 @" + ownerId);
        assertTrue(one.out().contains("the first 1"), one.toString());
        assertTrue(one.out().contains("more edges ('show @" + ownerId + " -n 0' lists all)"), one.toString());
    }

    @Test
    void retainersListEveryEdgeToTheNode() {
        Run r = run("retainers @" + arrayBufferId);
        assertTrue(lines(r.out()).stream().anyMatch(l -> l.matches(" +internal +buffer +\\d+ +2\\.8 MiB +Buffer @" + bufferId)),
                r.toString());
    }

    @Test
    void retainersIncludeWeakEdges() {
        // a node some weak edge points to: the graph's retainer index leaves such edges out, explore must not
        var s = session.graph().snapshot();
        int weak = s.meta().edgeType("weak");
        long target = -1;
        for (int e = 0; e < s.edgeCount() && target < 0; e++) {
            if (s.edgeType(e) == weak) {
                target = s.nodeIdLong(s.edgeTo(e));
            }
        }
        assertTrue(target >= 0, "the sample has weak edges");
        Run r = run("retainers -n 0 @" + target);
        assertTrue(lines(r.out()).stream().anyMatch(l -> l.startsWith("  weak* ")), r.toString());
        assertTrue(r.out().contains("* does not retain"), r.toString());
    }

    @Test
    void chainOfABackingStoreRunsBackingStoreThenBuffer() {
        Run r = run("chain @" + storeId);
        List<String> lines = lines(r.out());
        assertEquals("Retainer chain of system / JSArrayBufferData @" + storeId + " (" + (leak.chain().size() - 1)
                + " steps to a child of the root)", lines.get(0));
        assertEquals("    ← backing_store in ArrayBuffer @" + arrayBufferId, lines.get(2));
        // where in the code: Node's Buffer, and sql.js's MEMFS node constructor that holds the copy
        assertTrue(lines.get(3).matches("    ← buffer in Buffer @" + bufferId + "  at node:buffer:\\d+:\\d+"), lines.get(3));
        assertTrue(lines.get(4).matches("    ← \\S+ in Kb \\{name: \"dbfile_\\d+\".* @" + ownerId
                + "  at sql\\.js/dist/sql-wasm\\.js:\\d+:\\d+"), r.toString());
    }

    @Test
    void showNamesWhereInTheCodeANodeComesFrom() {
        Run r = run("show @" + ownerId + " -n 1");
        List<String> lines = lines(r.out());
        assertTrue(lines.get(0).matches("Kb \\{name: \"dbfile_\\d+\".* @" + ownerId
                + "  at sql\\.js/dist/sql-wasm\\.js:\\d+:\\d+"), r.toString());
        Run json = run(true, "show @" + ownerId + " -n 1");
        assertTrue(json.out().contains("\"script\"") && json.out().contains("node_modules/sql.js/dist/sql-wasm.js"),
                json.out());
    }

    @Test
    void dominatorPathReachesTheCommonDominatorAndTheRoot() {
        Run r = run("dominator @" + storeId);
        List<String> lines = lines(r.out());
        assertTrue(lines.get(0).startsWith("Dominators of system / JSArrayBufferData @" + storeId), r.toString());
        assertTrue(lines.get(3).endsWith("ArrayBuffer @" + arrayBufferId), r.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains("↑") && l.endsWith("@" + dominatorId)), r.toString());
        int root = session.graph().root();
        assertTrue(lines.get(lines.size() - 1).endsWith("@" + session.graph().snapshot().nodeIdLong(root)), r.toString());
    }

    @Test
    void dominatedByTheCommonDominatorAreTheDatabaseCopies() {
        Run r = run("dominated @" + dominatorId + " " + OPS);
        List<String> lines = lines(r.out());
        assertTrue(lines.get(0).contains("@" + dominatorId + " retains 137.6 MiB and immediately dominates"), r.toString());
        long copies = lines.stream().filter(l -> l.matches(" +@\\d+ +object +152 B +2\\.8 MiB +Kb \\{name: \"dbfile_\\d+\".*")).count();
        assertEquals(OPS, copies, r.toString());
        assertTrue(lines.get(2).contains("2.8 MiB"), "largest first: " + r);
    }

    @Test
    void findListsTheNodesOfAClass() {
        Run r = run("find Kb");
        List<String> lines = lines(r.out());
        assertTrue(lines.get(0).matches("\\d+ nodes of class or name 'Kb', self .*; the 20 largest by retained size"), r.toString());
        assertEquals("      id  type     self  retained  name", lines.get(1), r.toString());
        assertEquals(20, lines.stream().filter(l -> l.matches(" +@\\d+ +object +152 B +2\\.8 MiB +Kb \\{name: \"dbfile_.*")).count(),
                r.toString());
        assertTrue(lines.get(lines.size() - 1).contains("more nodes ('find -n 0 Kb' lists all)"), r.toString());

        Run all = run("find -n 0 system / Context");
        assertTrue(all.out().startsWith("865 nodes of class or name 'system / Context'"), all.toString());
        assertEquals(865 + 2, lines(all.out()).size(), all.toString());
    }

    @Test
    void stringsMatchARegexAndStayBounded() {
        Run r = run("strings dbfile_\\d+");
        assertTrue(r.out().startsWith(OPS + " of "), r.toString());
        assertEquals(OPS, lines(r.out()).stream().filter(l -> l.matches(" +\\d+ +\\d+ +@\\d+ +\"dbfile_\\d+\"")).count(), r.toString());

        Run few = run("strings -n 3 'dbfile_\\d+'");
        List<String> lines = lines(few.out());
        assertEquals(1 + 1 + 3 + 1, lines.size(), few.toString());
        assertEquals("  … " + (OPS - 3) + " more strings ('strings -n 0 dbfile_\\d+' lists all)", lines.get(5));
    }

    @Test
    void helpListsTheCommandsAndOneCommandsUsage() {
        Run r = run("help", "help chain");
        for (String command : List.of("summary", "groups", "classes", "show", "retainers", "chain", "dominator",
                "dominated", "find", "strings", "diff", "help", "quit")) {
            assertTrue(Pattern.compile("\n  " + command + "[ ,]").matcher(r.out()).find(), command + " in " + r);
        }
        assertTrue(r.out().contains("Usage: chain @ID"), r.toString());
    }

    @Test
    void quitEndsTheScript() {
        Run r = run("quit", "summary");
        assertEquals(Shell.Status.OK, r.status());
        assertEquals("", r.out());
    }

    @Test
    void anUnknownIdFailsItsCommandAndTheScriptGoesOn() {
        Run r = run("show @2", "chain @" + storeId);
        assertEquals(Shell.Status.BAD_INPUT, r.status(), r.toString());
        assertEquals("leakhunt explore: show: no node @2 in this snapshot\n", r.err());
        assertTrue(r.out().startsWith("Retainer chain of system / JSArrayBufferData @" + storeId), r.toString());
    }

    @Test
    void aBadCommandStopsTheScript() {
        Run unknown = run("sumary", "summary");
        assertEquals(Shell.Status.USAGE, unknown.status());
        assertEquals("leakhunt explore: unknown command 'sumary' (did you mean summary?); 'help' lists the commands\n",
                unknown.err());
        assertEquals("", unknown.out());

        Run badId = run("chain 12x");
        assertEquals(Shell.Status.USAGE, badId.status());
        assertTrue(badId.err().contains("'12x' is not a node id (write it as @123)"), badId.toString());

        Run badRegex = run("strings (");
        assertEquals(Shell.Status.USAGE, badRegex.status());
        assertTrue(badRegex.err().startsWith("leakhunt explore: strings: bad regular expression '('"), badRegex.toString());

        Run missing = run("dominated");
        assertEquals(Shell.Status.USAGE, missing.status());
        assertTrue(missing.err().contains("'help dominated' shows its usage"), missing.toString());
    }

    @Test
    void jsonAnswersAreOneDocumentEach() throws IOException {
        Run r = run(true, "chain @" + storeId, "find -n 3 Kb", "dominated @" + dominatorId + " 2");
        List<Map<String, Object>> docs = documents(r.out());
        assertEquals(3, docs.size(), r.toString());
        for (Map<String, Object> doc : docs) {
            assertEquals("leakhunt/1", doc.get("schema"));
        }
        assertEquals("explore chain", docs.get(0).get("command"));
        List<?> chain = (List<?>) docs.get(0).get("chain");
        assertEquals("backing_store", ((Map<?, ?>) chain.get(1)).get("edgeName"));
        assertEquals(arrayBufferId, ((Number) ((Map<?, ?>) ((Map<?, ?>) chain.get(1)).get("node")).get("id")).longValue());
        assertEquals("buffer", ((Map<?, ?>) chain.get(2)).get("edgeName"));

        assertEquals(3, ((List<?>) docs.get(1).get("nodes")).size());
        assertTrue(((Number) docs.get(1).get("count")).intValue() >= OPS);

        List<?> dominated = (List<?>) docs.get(2).get("dominated");
        assertEquals(2, dominated.size());
        assertEquals(DB_BYTES, ((Number) ((Map<?, ?>) dominated.get(0)).get("retainedBytes")).longValue(), 1024);
    }

    @Test
    void theCommandLineRunsScriptsAndMapsStatusesToExitCodes() {
        Cli ok = Cli.run("explore", SAMPLE.toString(), "-c", "groups 1", "-c", "chain @" + storeId);
        assertEquals(0, ok.exit(), ok.toString());
        assertTrue(ok.out().contains("#1  50 × system / JSArrayBufferData"), ok.toString());
        assertTrue(ok.out().contains("\n\nRetainer chain of"), "answers are separated by a blank line: " + ok);

        Cli unknownId = Cli.run("explore", SAMPLE.toString(), "-c", "show @2", "-c", "summary");
        assertEquals(3, unknownId.exit(), unknownId.toString());
        assertTrue(unknownId.out().contains("Verdict:"), unknownId.toString());

        Cli usage = Cli.run("explore", SAMPLE.toString(), "-c", "frobnicate");
        assertEquals(2, usage.exit(), usage.toString());
        assertEquals("leakhunt explore: unknown command 'frobnicate'; 'help' lists the commands\n", usage.err());

        Cli json = Cli.run("explore", "--json", SAMPLE.toString(), "-c", "summary");
        assertEquals(0, json.exit(), json.toString());
        assertTrue(json.out().contains("\"command\" : \"explore summary\""), json.toString());
        assertTrue(json.out().contains("\"largest-group-count\" : " + OPS), json.toString());

        Cli missing = Cli.run("explore", "no-such.heapsnapshot", "-c", "summary");
        assertEquals(3, missing.exit(), missing.toString());
        assertTrue(missing.err().startsWith("leakhunt explore: no such file: 'no-such.heapsnapshot'"), missing.toString());
    }

    @Test
    void diffWithItselfFindsNothingNewAndABadFileFailsOnlyItsCommand() {
        Cli r = Cli.run("explore", SAMPLE.toString(), "-c", "diff " + SAMPLE, "-c", "diff no-such.heapsnapshot",
                "-c", "groups 1");
        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.out().startsWith("Diff of two snapshots of one process, matched by node id"), r.toString());
        assertTrue(r.out().contains("New in B: 0 objects, 0 B"), r.toString());
        assertTrue(r.out().contains("#1  50 × system / JSArrayBufferData"), "the script goes on: " + r);
        assertEquals("leakhunt explore: diff: no such file: 'no-such.heapsnapshot'\n", r.err());
    }

    @Test
    void ctrlCStopsALongScan() {
        NodeQueries queries = new NodeQueries(session);
        session.requestCancel();
        try {
            assertThrows(Session.CancelledException.class, () -> queries.retainers(session.graph().root(), 10));
            assertThrows(Session.CancelledException.class, () -> queries.find("Kb", 10));
        } finally {
            session.clearCancel();
        }
        assertEquals(OPS, queries.find("Kb", 0).nodes().shown().stream()
                .filter(n -> n.retainedBytes() > DB_BYTES).count());
    }

    @Test
    void idsInAnswersBecomeCompletionCandidates() {
        ShownIds ids = new ShownIds();
        ids.recordAll("← buffer in Buffer @" + bufferId + "\n\"id\" : 17,");
        List<String> all = new ArrayList<>();
        ids.forEach(all::add);
        assertEquals(List.of("@" + bufferId, "@17"), all);
        for (int i = 0; i < ShownIds.CAPACITY + 5; i++) {
            ids.add("@" + (1000 + i));
        }
        all.clear();
        ids.forEach(all::add);
        assertEquals(ShownIds.CAPACITY, all.size());
        assertEquals("@" + (1000 + ShownIds.CAPACITY + 4), all.get(all.size() - 1));
    }

    /** The JSON documents of a stream, one after another, as maps and lists. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> documents(String text) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : JsonTree.documents(text)) {
            docs.add((Map<String, Object>) doc);
        }
        return docs;
    }
}
