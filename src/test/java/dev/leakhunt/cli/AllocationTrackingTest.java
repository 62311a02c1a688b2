package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.inspector.InspectorSession;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.JsonTree;
import dev.leakhunt.testing.NodeSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code snapshot --track-allocations} against the story's service: the group of leaked database copies names the
 * sample's own function that opens the database and the sql.js file that writes the copy, and V8 tracks nothing
 * afterwards (a snapshot taken over the protocol then holds no traces).
 */
class AllocationTrackingTest {
    private static final Pattern LISTENING = Pattern.compile("Debugger listening on ws://127\\.0\\.0\\.1:(\\d+)/");
    private static final long DEADLINE_MILLIS = 30_000;

    @TempDir
    Path dir;

    @Test
    void theLeakedCopiesNameTheFunctionThatOpensTheDatabaseAndTrackingEndsAfter() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        Path sample = NodeSample.samplesDir().resolve("sqljs-memfs-leak");
        assumeTrue(Files.isDirectory(sample.resolve("node_modules/sql.js")), "run npm ci in samples/sqljs-memfs-leak");
        // an op every 100 ms: some copies are made while tracked, whatever the machine's speed; a large young
        // generation, so that V8 moves none of them and keeps every stack (its scavenges lose some: see the README)
        try (NodeSample sql = NodeSample.startWith("sqljs-memfs-leak",
                List.of("--inspect=127.0.0.1:0", "--max-semi-space-size=128"),
                "--mode", "leak", "--ops", "2", "--every", "100")) {
            int inspectorPort = inspectorPort(sql);
            Path file = dir.resolve("tracked.heapsnapshot");
            Cli r = Cli.run("snapshot", Long.toString(sql.pid()), "--track-allocations", "3s", "--json", "--top", "3",
                    "-o", file.toString());
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.err().contains("tracking allocations for 3 s"), r.err());

            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) JsonTree.parse(r.out());
            Map<String, Object> group = first(json.get("groups"));
            assertEquals(sql.number("dbBytes"), ((Number) group.get("sizeBytes")).longValue());
            long members = ((Number) group.get("count")).longValue();
            List<Map<String, Object>> stacks = list(group.get("allocations"));
            assertTrue(!stacks.isEmpty(), group.toString());
            long counted = 0;
            for (Map<String, Object> stack : stacks) {
                counted += ((Number) stack.get("count")).longValue();
            }
            assertTrue(counted >= 1 && counted <= members, counted + " of " + members);
            long whileTracked = ((Number) group.get("allocatedWhileTracked")).longValue();
            long known = ((Number) group.get("allocationsKnown")).longValue();
            assertTrue(whileTracked >= 1 && whileTracked < members, whileTracked + " of " + members
                    + " while tracked: the 2 at start were not");
            // V8 loses the stacks of some objects its collections move (one run in three kept 2 of 20, even with a
            // large young generation), so only what it kept is asserted on
            assertTrue(known >= 1 && known <= whileTracked, known + " known of " + whileTracked);
            int opLine = lineOf(sample.resolve("server.js"), "  op(state, seq) {");
            List<Map<String, Object>> frames = stacks.stream().map(s -> list(s.get("frames")))
                    .filter(f -> f.stream().anyMatch(frame -> frame.get("function").equals("op"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no stack through op: " + stacks));
            assertTrue(frames.stream().anyMatch(f -> f.get("function").equals("op")
                    && ((String) f.get("script")).endsWith("samples/sqljs-memfs-leak/server.js")
                    && ((Number) f.get("line")).intValue() == opLine), "the sample's op (line " + opLine + "): " + frames);
            // sql.js keeps the very buffer it is given (MEMFS owns it: no copy), so the stack is the service's
            // readFileSync; the chain names sql.js's file node, by its dbfile_ name and its class's place in sql.js
            List<Map<String, Object>> chain = list(group.get("chain"));
            assertTrue(chain.stream().map(step -> (Map<?, ?>) step.get("node")).anyMatch(n -> n.get("hint") != null
                    && ((String) n.get("hint")).contains("name: \"dbfile_") && n.get("location") instanceof Map<?, ?> l
                    && ((String) l.get("script")).endsWith("sql.js/dist/sql-wasm.js") && ((Number) l.get("line")).intValue() > 0),
                    "sql.js's MEMFS node on the chain: " + chain);
            Map<String, Object> callee = frames.stream().filter(f -> frames.indexOf(f) < frames.size() - 1
                    && frames.get(frames.indexOf(f) + 1).get("function").equals("op")).findFirst().orElseThrow();
            assertTrue(callee.get("function").equals("readFileSync")
                    || ((String) callee.get("script")).endsWith("sql.js/dist/sql-wasm.js"),
                    "op's callee allocated (readFileSync's buffer, or sql.js's copy of it): " + frames);
            Map<String, Object> suspect = first(json.get("suspects"));
            assertEquals(stacks, suspect.get("allocations"), "the native suspect's stacks are its group's");
            String verdict = (String) json.get("verdict");
            if (known * 2 >= whileTracked) {
                assertTrue(verdict.contains("; allocated by op (") && verdict.contains("server.js:" + opLine + ":"),
                        verdict);
            } else {
                assertTrue(!verdict.contains("allocated by"), "too few known to speak for all: " + verdict);
            }
            assertTrue(new SnapshotReader(file).read().meta().traceFunctionCount() > 0, "the snapshot holds the traces");

            // tracking is off: a snapshot taken over the protocol now has no traces
            assertEquals(0, traceFunctionsNow(inspectorPort, dir.resolve("after.heapsnapshot")));
            assertTrue(sql.isAlive());
        }
    }

    @Test
    void closingASessionThatTracksStopsTheTracking() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        try (NodeSample js = NodeSample.startWith("js-heap-leak", List.of("--inspect=127.0.0.1:0"),
                "--mode", "leak", "--ops", "2", "--every", "100")) {
            int inspectorPort = inspectorPort(js);
            try (InspectorSession s = InspectorSession.forPort("127.0.0.1", inspectorPort, null)) {
                s.trackAllocations();
                assertTrue(s.tracking());
                s.captureHeapSnapshot(dir.resolve("while.heapsnapshot"), false, null);
                assertTrue(new SnapshotReader(dir.resolve("while.heapsnapshot")).read().meta().traceFunctionCount() > 0,
                        "tracked while the session tracks");
            } // closed without stopping first: close() stops it
            assertEquals(0, traceFunctionsNow(inspectorPort, dir.resolve("after.heapsnapshot")));
        }
    }

    @Test
    void aTargetThatExitsWhileTrackedFailsInOneLineAndLeavesNoFile() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        Process node = new ProcessBuilder("node", "--inspect-port=0", "-e",
                "setTimeout(() => process.exit(0), 3000); setInterval(() => {}, 1000); console.log('ready')").start();
        try {
            assertEquals("ready", new java.io.BufferedReader(new java.io.InputStreamReader(node.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8)).readLine());
            long start = System.nanoTime();
            Cli r = Cli.run("snapshot", Long.toString(node.pid()), "--track-allocations", "60s", "-o",
                    dir.resolve("gone.heapsnapshot").toString());
            assertEquals(3, r.exit(), r.toString());
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 50, "noticed, not waited out");
            List<String> errors = r.err().lines().filter(l -> !l.contains("leakhunt snapshot: opened")
                    && !l.contains("tracking allocations") && !l.contains("closed the inspector")).toList();
            assertEquals(1, errors.size(), r.err());
            assertTrue(!errors.get(0).contains("Exception"), errors.get(0));
            try (Stream<Path> left = Files.list(dir)) {
                assertEquals(List.of(), left.toList());
            }
        } finally {
            node.destroyForcibly();
        }
    }

    /** The trace functions of a snapshot taken now over the inspector at {@code port}. */
    private static long traceFunctionsNow(int port, Path file) throws IOException {
        try (InspectorSession s = InspectorSession.forPort("127.0.0.1", port, null)) {
            s.captureHeapSnapshot(file, false, null);
        }
        return new SnapshotReader(file).read().meta().traceFunctionCount();
    }

    private static int inspectorPort(NodeSample sample) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(sample.stderr());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no inspector announced: " + sample.stderr());
    }

    private static int lineOf(Path file, String text) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).equals(text)) {
                return i + 1;
            }
        }
        throw new AssertionError("no line '" + text + "' in " + file);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }

    private static Map<String, Object> first(Object o) {
        List<Map<String, Object>> l = list(o);
        assertTrue(!l.isEmpty(), "an empty list");
        return l.get(0);
    }
}
