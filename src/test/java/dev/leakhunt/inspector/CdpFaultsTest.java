package dev.leakhunt.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CDP client and snapshot capture against {@link FakeDevTools}: faults a real Node.js will not produce. */
class CdpFaultsTest {
    private static final InspectorSession.Options FAST = InspectorSession.Options.defaults()
            .withRequestTimeoutMillis(3000).withSnapshotIdleTimeoutMillis(3000);

    @TempDir
    Path dir;

    /** A reply to Runtime.evaluate whose value is {@code value} (a string). */
    private static String evaluated(long id, String value) {
        return "{\"id\":" + id + ",\"result\":{\"result\":{\"type\":\"string\",\"value\":" + JsonTree.toJson(value)
                + "}}}";
    }

    private static String empty(long id) {
        return "{\"id\":" + id + ",\"result\":{}}";
    }

    @Test
    void messageInContinuationFramesIsAssembled() throws IOException {
        String title = "t\u00eftle \ud83d\ude00 \"quoted\" " + "x".repeat(300);
        FakeDevTools.Script script = (id, method, params, connection) -> {
            String expression = (String) params.get("expression");
            if (expression.contains("memoryUsage")) {
                connection.sendInParts(evaluated(id, "{\"rss\":500,\"heapTotal\":400,\"heapUsed\":300,"
                        + "\"external\":200,\"arrayBuffers\":100}"), 5);
            } else {
                // 13 parts of a UTF-8 text: some boundaries fall inside the 2- and 4-byte characters.
                connection.sendInParts(evaluated(id, "{\"pid\":42,\"title\":" + JsonTree.toJson(title)
                        + ",\"version\":\"v99.0.0\",\"argv\":[\"node\",\"a b.js\"]}"), 13);
            }
        };
        try (FakeDevTools fake = new FakeDevTools(script);
             InspectorSession session = InspectorSession.forPort(null, fake.port(), null, FAST)) {
            assertEquals(new MemoryUsage(500, 400, 300, 200, 100), session.memoryUsage());
            assertEquals(new ProcessInfo(42, title, "v99.0.0", List.of("node", "a b.js")), session.processInfo());
            assertEquals("127.0.0.1:" + fake.port(), session.endpoint());
            assertFalse(session.openedInspector());
        }
    }

    @Test
    void errorReplyBecomesCdpExceptionWithItsMessage() throws IOException {
        FakeDevTools.Script script = (id, method, params, connection) -> connection.send(
                method.equals("HeapProfiler.enable") ? empty(id) : "{\"id\":" + id
                        + ",\"error\":{\"code\":-32601,\"message\":\"'" + method + "' wasn't found\"}}");
        try (FakeDevTools fake = new FakeDevTools(script);
             InspectorSession session = InspectorSession.forPort("127.0.0.1", fake.port(), null, FAST)) {
            CdpException e = assertThrows(CdpException.class, session::collectGarbage);
            assertEquals(-32601, e.code());
            assertEquals("HeapProfiler.collectGarbage failed at the inspector at 127.0.0.1:" + fake.port()
                    + ": 'HeapProfiler.collectGarbage' wasn't found (code -32601)", e.getMessage());
            assertTrue(session.isConnected(), "an error reply leaves the connection usable");
        }
    }

    @Test
    void malformedMessageFailsThePendingRequestAndTheConnection() throws IOException {
        FakeDevTools.Script script = (id, method, params, connection) -> connection.send("{\"id\":" + id
                + ",\"result\":{\"result\":");
        try (FakeDevTools fake = new FakeDevTools(script);
             InspectorSession session = InspectorSession.forPort(null, fake.port(), null, FAST)) {
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, session::memoryUsage);
            assertTrue(e.getMessage().startsWith("malformed message from the inspector at 127.0.0.1:" + fake.port()),
                    e.getMessage());
            assertTrue(System.nanoTime() - start < 2_000_000_000L, "failed at once, not by timeout");
            assertFalse(session.isConnected());
            assertThrows(IOException.class, session::memoryUsage);
        }
    }

    @Test
    void replyWithoutResultOrErrorFailsOnlyThatRequest() throws IOException {
        FakeDevTools.Script script = (id, method, params, connection) -> connection.send(
                String.valueOf(params.get("expression")).contains("memoryUsage") ? "{\"id\":" + id + "}"
                        : evaluated(id, "{\"pid\":7,\"title\":\"t\",\"version\":\"v1\",\"argv\":[]}"));
        try (FakeDevTools fake = new FakeDevTools(script);
             InspectorSession session = InspectorSession.forPort(null, fake.port(), null, FAST)) {
            IOException e = assertThrows(IOException.class, session::memoryUsage);
            assertEquals("malformed reply to Runtime.evaluate from the inspector at 127.0.0.1:" + fake.port()
                    + ": no \"result\" or \"error\"", e.getMessage());
            assertEquals(7, session.processInfo().pid());
        }
    }

    @Test
    void replyThatNeverComesTimesOut() throws IOException {
        FakeDevTools.Script silent = (id, method, params, connection) -> { };
        try (FakeDevTools fake = new FakeDevTools(silent);
             InspectorSession session = InspectorSession.forPort(null, fake.port(), null,
                     FAST.withRequestTimeoutMillis(300))) {
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, session::memoryUsage);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals("no reply to Runtime.evaluate from the inspector at 127.0.0.1:" + fake.port()
                    + " within 300 ms", e.getMessage());
            assertTrue(millis >= 290 && millis < 2000, "waited " + millis + " ms");
        }
    }

    @Test
    void closeFrameFailsPendingRequests() throws IOException {
        FakeDevTools.Script closing = (id, method, params, connection) -> connection.sendClose();
        try (FakeDevTools fake = new FakeDevTools(closing);
             InspectorSession session = InspectorSession.forPort(null, fake.port(), null, FAST)) {
            IOException e = assertThrows(IOException.class, session::memoryUsage);
            assertTrue(e.getMessage().startsWith("the inspector at 127.0.0.1:" + fake.port()
                    + " closed the connection"), e.getMessage());
        }
    }

    /** Snapshot text with every escape the chunks carry: quotes, backslashes, newlines, \\u escapes. */
    private static List<String> chunks() {
        List<String> chunks = new ArrayList<>();
        chunks.add("{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\"]},\n\"node_count\":2},\n");
        chunks.add("\"nodes\":[" + "1,2,3,".repeat(40_000) + "0],\n");
        chunks.add("\"strings\":[\"a \\\"quoted\\\" \\\\ name\",\"caf\\u00e9\",\"tab\\there\"," +
                "\"\u00e9\u4e2d\"]}");
        return chunks;
    }

    private FakeDevTools.Script snapshotScript(List<String> chunks, boolean dropAfterSecondChunk) {
        return (id, method, params, connection) -> {
            if (!method.equals("HeapProfiler.takeHeapSnapshot")) {
                connection.send(empty(id));
                return;
            }
            connection.send("{\"method\":\"HeapProfiler.reportHeapSnapshotProgress\",\"params\":{\"done\":0,"
                    + "\"total\":2}}");
            connection.send("{\"method\":\"HeapProfiler.reportHeapSnapshotProgress\",\"params\":{\"done\":2,"
                    + "\"total\":2,\"finished\":true}}");
            for (int i = 0; i < chunks.size(); i++) {
                if (dropAfterSecondChunk && i == 2) {
                    connection.drop();
                    return;
                }
                // params before method: the client must not depend on the order of keys
                String event = "{\"params\":{\"chunk\":" + JsonTree.toJson(chunks.get(i))
                        + "},\"method\":\"HeapProfiler.addHeapSnapshotChunk\"}";
                if (i == 1) {
                    connection.sendInParts(event, 4);
                } else {
                    connection.send(event);
                }
            }
            connection.send(empty(id));
        };
    }

    @Test
    void snapshotChunksAreDecodedExactlyIntoAnOwnerOnlyFile() throws IOException {
        List<String> chunks = chunks();
        String expected = String.join("", chunks);
        List<String> progress = new ArrayList<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void building(long done, long total) {
                progress.add("building " + done + "/" + total);
            }

            @Override
            public void writing(long bytes) {
                progress.add("writing " + bytes);
            }
        };
        Path out = dir.resolve("fake.heapsnapshot");
        try (FakeDevTools fake = new FakeDevTools(snapshotScript(chunks, false));
             InspectorSession session = InspectorSession.forPort(null, fake.port(), null, FAST)) {
            Capture capture = session.captureHeapSnapshot(out, false, listener);
            assertEquals(out, capture.path());
            assertEquals(expected, Files.readString(out, StandardCharsets.UTF_8));
            assertEquals(Files.size(out), capture.bytes());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
            assertFalse(Files.exists(dir.resolve("fake.heapsnapshot.part")));
            int c0 = chunks.get(0).length(); // ASCII: one byte a char
            int c1 = chunks.get(1).length();
            assertEquals(List.of("building 0/2", "building 2/2", "writing " + c0, "writing " + (c0 + c1),
                    "writing " + expected.getBytes(StandardCharsets.UTF_8).length), progress);

            Path gz = dir.resolve("fake.heapsnapshot.gz");
            Capture compressed = session.captureHeapSnapshot(gz, true, null);
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                assertEquals(expected, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            assertTrue(compressed.bytes() < capture.bytes() / 10, "compressed " + compressed.bytes());
        }
    }

    @Test
    void connectionDroppedMidSnapshotLeavesNoFile() throws IOException {
        Path out = dir.resolve("dropped.heapsnapshot");
        try (FakeDevTools fake = new FakeDevTools(snapshotScript(chunks(), true));
             InspectorSession session = InspectorSession.forPort(null, fake.port(), null, FAST)) {
            IOException e = assertThrows(IOException.class,
                    () -> session.captureHeapSnapshot(out, false, ProgressListener.NONE));
            assertTrue(e.getMessage().endsWith("during the heap snapshot; '" + out + "' not written"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("127.0.0.1:" + fake.port()), e.getMessage());
        }
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("dropped.heapsnapshot.part")));
    }

    @Test
    void fullDiskMidSnapshotFailsNamingTheFileAndLeavesNoPart() throws IOException {
        Path out = dir.resolve("full.heapsnapshot");
        try (FakeDevTools fake = new FakeDevTools(snapshotScript(chunks(), false));
             CdpClient client = CdpClient.connect(DevToolsHttp.newClient(3000),
                     java.net.URI.create("ws://127.0.0.1:" + fake.port() + "/fake-1"), "fake", 3000)) {
            SnapshotFile file = SnapshotFile.create(out, false, raw -> new java.io.FilterOutputStream(raw) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    throw new IOException("No space left on device");
                }
            });
            IOException e = assertThrows(IOException.class,
                    () -> SnapshotCapture.run(client, file, ProgressListener.NONE, 3000));
            assertEquals("no space left on device for the heap snapshot '" + out + "' (deleted the partial"
                    + " 'full.heapsnapshot.part')", e.getMessage());
        }
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("full.heapsnapshot.part")));
    }

    @Test
    void silenceMidSnapshotFailsAfterTheIdleTimeout() throws IOException {
        FakeDevTools.Script stalls = (id, method, params, connection) -> {
            if (method.equals("HeapProfiler.takeHeapSnapshot")) {
                connection.send("{\"method\":\"HeapProfiler.addHeapSnapshotChunk\",\"params\":{\"chunk\":\"{\"}}");
            } else {
                connection.send(empty(id));
            }
        };
        Path out = dir.resolve("stalled.heapsnapshot");
        try (FakeDevTools fake = new FakeDevTools(stalls);
             InspectorSession session = InspectorSession.forPort(null, fake.port(), null,
                     FAST.withSnapshotIdleTimeoutMillis(400))) {
            IOException e = assertThrows(IOException.class,
                    () -> session.captureHeapSnapshot(out, false, ProgressListener.NONE));
            assertEquals("the inspector at 127.0.0.1:" + fake.port() + " sent nothing for 400 ms while taking"
                    + " the heap snapshot", e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("stalled.heapsnapshot.part")));
    }

    @Test
    void unknownTargetIdListsWhatIsOffered() throws IOException {
        try (FakeDevTools fake = new FakeDevTools((id, method, params, connection) -> { })) {
            IOException e = assertThrows(IOException.class,
                    () -> InspectorSession.forPort(null, fake.port(), "nope", FAST));
            assertEquals("no target 'nope' at 127.0.0.1:" + fake.port() + "; it offers fake-1 (node 'fake')",
                    e.getMessage());
            List<InspectorTarget> targets = InspectorSession.listTargets(null, fake.port(), FAST);
            assertEquals("fake-1", targets.get(0).id());
        }
    }

    @Test
    void nothingListeningIsSaidPlainly() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        int closedPort = port;
        IOException e = assertThrows(IOException.class, () -> InspectorSession.forPort(null, closedPort, null, FAST));
        assertEquals("nothing listens at 127.0.0.1:" + closedPort + " (connection refused)", e.getMessage());
    }

    @Test
    void connectsByWebSocketUrl() throws IOException {
        FakeDevTools.Script script = (id, method, params, connection) -> connection.send(evaluated(id,
                "{\"rss\":5,\"heapTotal\":4,\"heapUsed\":3,\"external\":2,\"arrayBuffers\":1}"));
        try (FakeDevTools fake = new FakeDevTools(script);
             InspectorSession session = InspectorSession.forUrl(
                     java.net.URI.create("ws://127.0.0.1:" + fake.port() + "/fake-1"), FAST)) {
            assertEquals(new MemoryUsage(5, 4, 3, 2, 1), session.memoryUsage());
        }
        IOException e = assertThrows(IOException.class,
                () -> InspectorSession.forUrl(java.net.URI.create("ftp://127.0.0.1:1/x"), FAST));
        assertEquals("not an inspector url: 'ftp://127.0.0.1:1/x' (expected ws://host:port/<id>)", e.getMessage());
    }

    @Test
    void evaluateExceptionIsReported() throws IOException {
        FakeDevTools.Script throwing = (id, method, params, connection) -> connection.send("{\"id\":" + id
                + ",\"result\":{\"result\":{\"type\":\"object\"},\"exceptionDetails\":{\"text\":\"Uncaught\","
                + "\"exception\":{\"description\":\"ReferenceError: process is not defined\\n    at <anonymous>\"}}}}");
        try (FakeDevTools fake = new FakeDevTools(throwing);
             InspectorSession session = InspectorSession.forPort(null, fake.port(), null, FAST)) {
            IOException e = assertThrows(IOException.class, session::memoryUsage);
            assertEquals("evaluating 'JSON.stringify(process.memoryUsage())' in the inspector at 127.0.0.1:"
                    + fake.port() + " threw: ReferenceError: process is not defined", e.getMessage());
        }
    }
}
