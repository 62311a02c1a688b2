package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.analysis.Triage;
import dev.leakhunt.inspector.FakeDevTools;
import dev.leakhunt.inspector.MemoryUsage;
import dev.leakhunt.inspector.ProcessInfo;
import dev.leakhunt.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code leakhunt snapshot} without a real target: against {@link FakeDevTools} by {@code --port} (a capture that
 * works, one whose connection drops, a CDP error), the command line's usage errors, and the pieces that decide
 * names and the triage.
 */
class SnapshotCommandFaultsTest {
    private static final long MiB = 1L << 20;

    @TempDir
    Path dir;

    private static String reply(long id, String resultJson) {
        return "{\"id\":" + id + ",\"result\":" + resultJson + "}";
    }

    /** A {@code Runtime.evaluate} reply whose value is the string {@code value}. */
    private static String evaluated(long id, String value) {
        return reply(id, "{\"result\":{\"type\":\"string\",\"value\":" + quote(value) + "}}");
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return b.append('"').toString();
    }

    /**
     * A Node.js-like target with the given memoryUsage(); takeHeapSnapshot sends {@code snapshot} in three chunks,
     * or drops the connection after the first when {@code drop}.
     */
    private static FakeDevTools.Script node(MemoryUsage u, String snapshot, boolean drop) {
        return (id, method, params, connection) -> {
            switch (method) {
                case "Runtime.evaluate" -> {
                    String expression = String.valueOf(params.get("expression"));
                    connection.send(expression.contains("memoryUsage")
                            ? evaluated(id, "{\"rss\":" + u.rss() + ",\"heapTotal\":" + u.heapTotal() + ",\"heapUsed\":"
                            + u.heapUsed() + ",\"external\":" + u.external() + ",\"arrayBuffers\":" + u.arrayBuffers()
                            + "}")
                            : evaluated(id, "{\"pid\":4242,\"title\":\"fake app\",\"version\":\"v99.1.0\","
                            + "\"argv\":[\"node\",\"app.js\"]}"));
                }
                case "HeapProfiler.takeHeapSnapshot" -> {
                    connection.send("{\"method\":\"HeapProfiler.reportHeapSnapshotProgress\",\"params\":{\"done\":9,"
                            + "\"total\":9,\"finished\":true}}");
                    int third = snapshot.length() / 3;
                    List<String> chunks = List.of(snapshot.substring(0, third), snapshot.substring(third, 2 * third),
                            snapshot.substring(2 * third));
                    for (int i = 0; i < chunks.size(); i++) {
                        if (drop && i == 1) {
                            connection.drop();
                            return;
                        }
                        connection.send("{\"method\":\"HeapProfiler.addHeapSnapshotChunk\",\"params\":{\"chunk\":"
                                + quote(chunks.get(i)) + "}}");
                    }
                    connection.send(reply(id, "{}"));
                }
                case "HeapProfiler.collectGarbage" -> connection.send("{\"id\":" + id + ",\"error\":{\"code\":-32000,"
                        + "\"message\":\"Collecting garbage is not allowed here\"}}");
                default -> connection.send(reply(id, "{}"));
            }
        };
    }

    private static final MemoryUsage NATIVE = new MemoryUsage(900 * MiB, 24 * MiB, 21 * MiB, 800 * MiB, 700 * MiB);

    @Test
    void capturesByPortAndAnalyzesWithTheProcessFiguresOnTop() throws IOException {
        String snapshot = AnalyzeCommandTest.leak().toJson();
        Path out = dir.resolve("fake.heapsnapshot");
        try (FakeDevTools fake = new FakeDevTools(node(NATIVE, snapshot, false))) {
            Cli r = Cli.run("snapshot", "--port", Integer.toString(fake.port()), "-o", out.toString());
            assertEquals(0, r.exit(), r.toString());
            assertEquals(snapshot, Files.readString(out));
            assertEquals("", r.err(), "nothing opened, nothing to note");
            List<String> lines = r.out().lines().toList();
            assertEquals("Process pid 4242 (fake app) · Node.js v99.1.0 · inspector 127.0.0.1:" + fake.port(),
                    lines.get(0));
            assertEquals("  rss 900.0 MiB · heapTotal 24.0 MiB · heapUsed 21.0 MiB · external 800.0 MiB · "
                    + "arrayBuffers 700.0 MiB", lines.get(1));
            assertEquals("  Triage: external memory (800.0 MiB, ArrayBuffers 700.0 MiB) is 33.3× the JS heap "
                    + "(heapTotal 24.0 MiB):", lines.get(2));
            assertEquals("          if it grows while heapTotal stays flat, a native leak, which "
                    + "--max-old-space-size cannot help.", lines.get(3));
            // the fake's 700 MiB of arrayBuffers are not in its tiny snapshot: the triage says where they must be
            assertTrue(lines.get(5).startsWith("          Triage: arrayBuffers is 700.0 MiB, but the snapshot's "
                    + "backing stores hold 3.4 KiB: the other 700.0 MiB belong to other isolates"), lines.get(5));
            assertTrue(lines.get(6).startsWith("Heap snapshot '" + out + "': "
                            + dev.leakhunt.analysis.Units.bytes(snapshot.length()) + ", taken in "),
                    lines.get(6));
            assertTrue(r.out().contains("#1  3 × system / JSArrayBufferData @ 1000 B = 2.9 KiB"), r.out());
        }
    }

    @Test
    void jsonCarriesTheProcessTheCaptureAndTheProcessMetrics() throws IOException {
        String snapshot = AnalyzeCommandTest.leak().toJson();
        Path out = dir.resolve("fake.heapsnapshot");
        try (FakeDevTools fake = new FakeDevTools(node(NATIVE, snapshot, false))) {
            Cli r = Cli.run("snapshot", "--port", Integer.toString(fake.port()), "-o", out.toString(), "--json",
                    "--fail-if", "external-bytes > 512MiB", "--fail-if", "largest-group-count > 3");
            assertEquals(1, r.exit(), r.toString());
            assertEquals("leakhunt snapshot: assertion failed: external-bytes > 512MiB (external-bytes is 800.0 MiB)\n",
                    r.err());
            Map<String, Object> doc = Json.object(r.out());
            assertEquals("snapshot", doc.get("command"));
            Map<String, Object> process = Json.map(doc, "process");
            assertEquals(4242L, process.get("pid"));
            assertEquals("fake app", process.get("title"));
            assertEquals("v99.1.0", process.get("nodeVersion"));
            assertEquals("native", process.get("triage"));
            assertEquals(Map.of("rss", 900 * MiB, "heapTotal", 24 * MiB, "heapUsed", 21 * MiB, "external", 800 * MiB,
                    "arrayBuffers", 700 * MiB), Json.map(process, "memoryUsage"));
            Map<String, Object> capture = Json.map(doc, "capture");
            assertEquals(out.toString(), capture.get("file"));
            assertEquals((long) snapshot.length(), capture.get("bytes"));
            Map<String, Object> metrics = Json.map(doc, "metrics");
            assertEquals(900 * MiB, metrics.get("rss-bytes"));
            assertEquals(21 * MiB, metrics.get("heap-used-bytes"));
            assertEquals(800 * MiB, metrics.get("external-bytes"));
            assertEquals(700 * MiB, metrics.get("array-buffers-bytes"));
            assertEquals(3L, metrics.get("largest-group-count"));
            assertEquals(List.of("external-bytes > 512MiB"), doc.get("failed"));
        }
    }

    @Test
    void connectionDroppedMidCaptureIsOneLineExit3AndNoFile() throws IOException {
        Path out = dir.resolve("dropped.heapsnapshot");
        try (FakeDevTools fake = new FakeDevTools(node(NATIVE, AnalyzeCommandTest.leak().toJson(), true))) {
            Cli r = Cli.run("snapshot", "--port", Integer.toString(fake.port()), "-o", out.toString());
            assertEquals(3, r.exit(), r.toString());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("leakhunt snapshot: "), r.err());
            assertTrue(r.err().contains("127.0.0.1:" + fake.port()), r.err());
            assertTrue(r.err().endsWith("during the heap snapshot; '" + out + "' not written\n"), r.err());
            assertEquals("", r.out());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "neither the file nor its .part");
        }
    }

    @Test
    void cdpErrorReplyIsOneLineExit3() throws IOException {
        try (FakeDevTools fake = new FakeDevTools(node(NATIVE, "{}", false))) {
            Cli r = Cli.run("snapshot", "--port", Integer.toString(fake.port()), "--gc", "-o",
                    dir.resolve("gc.heapsnapshot").toString());
            assertEquals(3, r.exit(), r.toString());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("leakhunt snapshot: HeapProfiler.collectGarbage failed at the inspector at "
                    + "127.0.0.1:" + fake.port() + ": collecting garbage is not allowed here"), r.err());
        }
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void nothingListeningOnThePortIsExit3() throws IOException {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Cli r = Cli.run("snapshot", "--port", Integer.toString(port), "-o", dir.resolve("x.heapsnapshot").toString());
        assertEquals(3, r.exit(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(Integer.toString(port)), r.err());
    }

    @Test
    void usageErrorsAreExit2BeforeAnythingIsTouched() {
        assertUsage("leakhunt snapshot: give a pid, --port or --url", "snapshot");
        assertUsage("leakhunt snapshot: give one of a pid, --port and --url, not 2", "snapshot", "123", "--port",
                "9229");
        assertUsage("leakhunt snapshot: --host goes with --port", "snapshot", "123", "--host", "10.0.0.1");
        assertUsage("leakhunt snapshot: --target goes with --port (a ws:// url names its target already)",
                "snapshot", "123", "--target", "ABC");
        assertUsage("leakhunt snapshot: bad --port '70000' (1 to 65535)", "snapshot", "--port", "70000");
        assertUsage("leakhunt snapshot: --fail-if 'native-bytes > 1MiB' needs the analysis (native-bytes is a figure "
                + "of the snapshot); drop --no-analyze", "snapshot", "123", "--no-analyze", "--fail-if",
                "native-bytes > 1MiB");
        Cli r = Cli.run("snapshot", "123", "--fail-if", "heap-bytes > 1");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("known: rss-bytes, heap-used-bytes, external-bytes, array-buffers-bytes, "
                + "native-bytes"), r.err());
        Cli t = Cli.run("snapshot", "123", "--timeout", "soon");
        assertEquals(2, t.exit(), t.toString());
        assertTrue(t.err().contains("bad time 'soon'"), t.err());
    }

    private static void assertUsage(String message, String... args) {
        Cli r = Cli.run(args);
        assertEquals(2, r.exit(), r.toString());
        assertEquals(message + "\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void missingOutputDirectoryIsExit3BeforeConnecting() throws IOException {
        int[] commands = {0};
        try (FakeDevTools fake = new FakeDevTools((id, method, params, connection) -> {
            commands[0]++;
            connection.send(reply(id, "{}"));
        })) {
            Path out = dir.resolve("no/such/dir/x.heapsnapshot");
            Cli r = Cli.run("snapshot", "--port", Integer.toString(fake.port()), "-o", out.toString());
            assertEquals(3, r.exit(), r.toString());
            assertEquals("leakhunt snapshot: cannot write to '" + out.getParent() + "': no such directory\n", r.err());
            assertEquals(0, commands[0], "the target was not touched");
        }
    }

    @Test
    void defaultNamesAreTitlePidTimeWithTheTitleMadeSafe() {
        LocalDateTime t = LocalDateTime.of(2024, 1, 2, 3, 4, 5);
        assertEquals("node-42-20240102-030405.heapsnapshot",
                SnapshotCommand.defaultName(new ProcessInfo(42, "node", "v20.0.0", List.of()), 42L, false, t));
        assertEquals("my_app_v2_.._x-42-20240102-030405.heapsnapshot.gz", SnapshotCommand.defaultName(
                new ProcessInfo(42, "--my app: v2/../x", "v20.0.0", List.of()), 42L, true, t));
        assertEquals("node-7-20240102-030405.heapsnapshot",
                SnapshotCommand.defaultName(new ProcessInfo(7, "/ ☃ /", "v20.0.0", List.of()), 7L, false, t));
        assertEquals("Inbox_-_Mail-20240102-030405.heapsnapshot", SnapshotCommand.defaultName(
                new ProcessInfo(-1, "Inbox - Mail", "", List.of()), null, false, t), "a page has no pid");
        assertEquals(40 + "-1-20240102-030405.heapsnapshot".length(), SnapshotCommand.defaultName(
                new ProcessInfo(1, "x".repeat(300), "v1", List.of()), 1L, false, t).length());
    }

    @Test
    void triageFollowsTheProportions() {
        assertEquals(Triage.NATIVE, Triage.of(SnapshotCommand.figures(NATIVE)), "the seed story's figures");
        // a big, full JS heap with little outside it
        assertEquals(Triage.JS_HEAP,
                Triage.of(SnapshotCommand.figures(new MemoryUsage(700 * MiB, 600 * MiB, 560 * MiB, 2 * MiB, MiB))));
        // most of rss is the JS heap, though V8 keeps room to spare
        assertEquals(Triage.JS_HEAP,
                Triage.of(SnapshotCommand.figures(new MemoryUsage(157 * MiB, 110 * MiB, 82 * MiB, 2 * MiB, 0))));
        // a fresh process: a small, full heap is no sign of anything
        assertEquals(Triage.NONE,
                Triage.of(SnapshotCommand.figures(new MemoryUsage(45 * MiB, 5 * MiB, 4 * MiB, MiB, 10_000))));
        // external memory above the heap but small
        assertEquals(Triage.NONE,
                Triage.of(SnapshotCommand.figures(new MemoryUsage(60 * MiB, 5 * MiB, 4 * MiB, 8 * MiB, 7 * MiB))));
        assertEquals(Triage.OUTSIDE_V8,
                Triage.of(SnapshotCommand.figures(new MemoryUsage(2048 * MiB, 30 * MiB, 20 * MiB, 10 * MiB, 0))));
        assertFalse(Triage.of(SnapshotCommand.figures(new MemoryUsage(2048 * MiB, 30 * MiB, 20 * MiB, 10 * MiB, 0)))
                .lines(SnapshotCommand.figures(NATIVE), null).isEmpty());
    }

    @Test
    void triageNamesArrayBuffersTheSnapshotDoesNotHold() {
        // 128 MiB of arrayBuffers, 10 KiB of backing stores in the snapshot: a worker thread's buffers
        Triage.Figures workers = SnapshotCommand.figures(new MemoryUsage(300 * MiB, 8 * MiB, 6 * MiB, 130 * MiB,
                128 * MiB));
        assertEquals("Triage: arrayBuffers is 128.0 MiB, but the snapshot's backing stores hold 10.0 KiB: the other "
                + "128.0 MiB belong to other isolates of the process, its worker threads (a Worker that is never "
                + "terminated keeps its own); a heap snapshot shows the main thread only.",
                Triage.gap(workers, 10 * 1024));
        assertEquals(null, Triage.gap(workers, 120 * MiB), "the snapshot holds most of them");
        assertEquals(null, Triage.gap(SnapshotCommand.figures(NATIVE), 690 * MiB));
        assertEquals(null, Triage.gap(SnapshotCommand.figures(new MemoryUsage(50 * MiB, 5 * MiB, 4 * MiB, 12 * MiB,
                10 * MiB)), 0), "a few MiB are not worth a word");
    }

    /** A JSON document as maps, lists, strings, longs, doubles, booleans and nulls. */
    static final class Json {
        private Json() {
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> object(String text) throws IOException {
            return (Map<String, Object>) dev.leakhunt.testing.JsonTree.parse(text);
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> map(Map<String, Object> parent, String key) {
            return (Map<String, Object>) parent.get(key);
        }
    }
}
