package dev.leakhunt.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.NodeSample;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * {@link InspectorSession#writeHeapSnapshotInTarget}: the target writes the file itself. Real Node.js processes;
 * for the faults, the target's own {@code v8.writeHeapSnapshot} is replaced, in the target, by one that throws or
 * that writes a little and then stalls, which no healthy process does on demand.
 */
@ResourceLock("node-inspector-ports")
class DirectCaptureTest {
    private static final String THROW = "require('v8').writeHeapSnapshot = (file) => {"
            + " throw new Error(\"ENOSPC: no space left on device, write\"); };";

    @TempDir
    Path dir;

    /** Replaces v8.writeHeapSnapshot in the target with one that writes a start, then blocks for {@code millis}. */
    private static String stall(int millis) {
        return "require('v8').writeHeapSnapshot = (file) => { const fs = require('fs');"
                + " const fd = fs.openSync(file, 'w'); fs.writeSync(fd, '{\"snapshot\":');"
                + " Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, " + millis + "); return file; };";
    }

    @BeforeAll
    static void needsNode() {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
    }

    /** {@code node --inspect-port=0 -e <patch; stay alive>}, once it says it is ready; killed on close. */
    private record PatchedNode(Process process) implements AutoCloseable {
        static PatchedNode start(String patch) throws IOException {
            Process node = new ProcessBuilder("node", "--inspect-port=0", "-e", patch
                    + " setInterval(() => {}, 1000); console.log('ready')").redirectErrorStream(true).start();
            PatchedNode started = new PatchedNode(node);
            String first = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (!"ready".equals(first)) {
                started.close();
                throw new AssertionError("node did not start: " + first);
            }
            return started;
        }

        long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static boolean anyInspectorOf(long pid) throws IOException {
        return !ProcFs.SYSTEM.listeningOf(pid).isEmpty();
    }

    private void assertNothingLeft() throws IOException {
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "no file and no .part");
        }
    }

    @Test
    void theTargetWritesAWholeOwnerOnlySnapshotThatIsRenamedIntoPlace() throws IOException {
        try (NodeSample sample = NodeSample.start("js-heap-leak", "leak", 50, "--inspect-port=0")) {
            Path out = dir.resolve("direct.heapsnapshot");
            List<Long> progress = new CopyOnWriteArrayList<>();
            Capture capture;
            try (InspectorSession session = InspectorSession.forPid(sample.pid(), InspectorSession.Options.defaults())) {
                capture = session.writeHeapSnapshotInTarget(out, new ProgressListener() {
                    @Override
                    public void writing(long bytes) {
                        progress.add(bytes);
                    }
                });
            }
            assertEquals(out, capture.path());
            assertEquals(Files.size(out), capture.bytes());
            assertTrue(capture.bytes() > 100_000, "bytes " + capture.bytes());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
            assertFalse(Files.exists(dir.resolve("direct.heapsnapshot.part")));
            try (InputStream in = Files.newInputStream(out)) {
                assertEquals("{\"snapshot\":", new String(in.readNBytes(12), StandardCharsets.US_ASCII));
            }
            assertEquals(capture.bytes(), progress.get(progress.size() - 1), "the last progress is the whole file");
            assertEquals(List.of(sample.port()), ProcFs.SYSTEM.listeningOf(sample.pid()).stream()
                    .map(ListeningSocket::port).toList(), "the inspector we opened is closed, the service listens");
            assertTrue(sample.isAlive());
        }
    }

    @Test
    void whatTheTargetThrowsIsSaidInOneLineAndNothingIsLeft() throws Exception {
        try (PatchedNode node = PatchedNode.start(THROW)) {
            Path out = dir.resolve("x.heapsnapshot");
            try (InspectorSession session = InspectorSession.forPid(node.pid(), InspectorSession.Options.defaults())) {
                IOException e = assertThrows(IOException.class, () -> session.writeHeapSnapshotInTarget(out, null));
                assertEquals("the inspector of pid " + node.pid() + " at " + session.endpoint() + " could not write"
                        + " the heap snapshot: Error: ENOSPC: no space left on device, write", e.getMessage());
                assertFalse(e instanceof InspectorSession.NothingWritten, "a full disk would fail a stream too");
            }
            assertNothingLeft();
            assertFalse(anyInspectorOf(node.pid()), "closed as we found it");
            assertTrue(node.process().isAlive());
        }
    }

    @Test
    void aTargetThatExitsWhileWritingLeavesNothing() throws Exception {
        try (PatchedNode node = PatchedNode.start(stall(20_000))) {
            Path out = dir.resolve("x.heapsnapshot");
            try (InspectorSession session = InspectorSession.forPid(node.pid(), InspectorSession.Options.defaults())) {
                ProgressListener killer = new ProgressListener() {
                    @Override
                    public void writing(long bytes) {
                        if (bytes > 0) { // the target has begun writing
                            node.close();
                        }
                    }
                };
                IOException e = assertThrows(IOException.class, () -> session.writeHeapSnapshotInTarget(out, killer));
                assertEquals("pid " + node.pid() + " exited during the heap snapshot; '" + out + "' not written",
                        e.getMessage());
            }
            assertNothingLeft();
        }
    }

    @Test
    void aTargetThatStopsWritingTimesOut() throws Exception {
        try (PatchedNode node = PatchedNode.start(stall(3000))) {
            Path out = dir.resolve("x.heapsnapshot");
            InspectorSession.Options options = InspectorSession.Options.defaults().withSnapshotIdleTimeoutMillis(700);
            InspectorSession session = InspectorSession.forPid(node.pid(), options);
            IOException e = assertThrows(IOException.class, () -> session.writeHeapSnapshotInTarget(out, null));
            assertEquals("the inspector of pid " + node.pid() + " at " + session.endpoint() + " wrote nothing to '"
                    + dir.resolve("x.heapsnapshot.part") + "' for 700 ms while writing the heap snapshot",
                    e.getMessage());
            assertNothingLeft();
            // The target is still in its stalled write: closing waits for that, then closes the inspector.
            session.close();
            assertFalse(anyInspectorOf(node.pid()), "closed as we found it");
            assertTrue(node.process().isAlive());
        }
    }

    /** A writeHeapSnapshot that opens nothing and waits, as V8 building a snapshot looks from outside. */
    private static String stallBeforeTheFirstByte(int millis) {
        return "require('v8').writeHeapSnapshot = (file) => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),"
                + " 0, 0, " + millis + "); return file; };";
    }

    @Test
    void aTargetThatNeitherWorksNorWritesIsGivenUpBeforeItsFirstByte() throws Exception {
        try (PatchedNode node = PatchedNode.start(stallBeforeTheFirstByte(3000))) {
            Path out = dir.resolve("y.heapsnapshot");
            InspectorSession.Options options = InspectorSession.Options.defaults().withSnapshotIdleTimeoutMillis(700);
            InspectorSession session = InspectorSession.forPid(node.pid(), options);
            IOException e = assertThrows(IOException.class, () -> session.writeHeapSnapshotInTarget(out, null));
            assertEquals("pid " + node.pid() + " made no progress on the heap snapshot for 700 ms (no CPU time, "
                    + "nothing written)", e.getMessage());
            assertNothingLeft();
            session.close(); // once its stalled call returns
            assertFalse(anyInspectorOf(node.pid()), "closed as we found it");
        }
    }

    @Test
    void aTargetStoppedMidCaptureIsSaidToBeStopped() throws Exception {
        try (PatchedNode node = PatchedNode.start(stallBeforeTheFirstByte(2000))) {
            Path out = dir.resolve("z.heapsnapshot");
            InspectorSession.Options options = InspectorSession.Options.defaults().withSnapshotIdleTimeoutMillis(700);
            InspectorSession session = InspectorSession.forPid(node.pid(), options);
            java.util.concurrent.CompletableFuture<IOException> failure = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> assertThrows(IOException.class, () -> session.writeHeapSnapshotInTarget(out,
                            null)));
            Path part = dir.resolve("z.heapsnapshot.part");
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(part)) {
                assertTrue(System.nanoTime() < deadline, "the capture begins");
                Thread.sleep(10);
            }
            new ProcessBuilder("kill", "-STOP", Long.toString(node.pid())).start().waitFor();
            try {
                IOException e = failure.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(e.getMessage().startsWith("pid " + node.pid() + " made no progress on the heap snapshot "
                        + "for 700 ms (no CPU time, nothing written; it is stopped, State: T"), e.getMessage());
            } finally {
                new ProcessBuilder("kill", "-CONT", Long.toString(node.pid())).start().waitFor();
            }
            assertNothingLeft();
            session.close();
            assertFalse(anyInspectorOf(node.pid()), "closed once it resumed");
        }
    }

    @Test
    void onlyATargetThatSharesOurFileSystemMayWrite(@TempDir Path proc) throws IOException {
        FakeProc fake = new FakeProc(proc);
        fake.process(FakeProc.PID, "/usr/bin/node", List.of("node"), FakeProc.SIGCGT_NODE);
        fake.process(FakeProc.PID + 1, "/usr/bin/node", List.of("node"), FakeProc.SIGCGT_NODE);
        Path ours = Files.createDirectories(proc.resolve("roots/ours"));
        Path theirs = Files.createDirectories(proc.resolve("roots/container"));
        Files.createDirectories(proc.resolve("self"));
        Files.createSymbolicLink(proc.resolve("self/root"), ours);
        Files.createSymbolicLink(proc.resolve(FakeProc.PID + "/root"), ours);
        Files.createSymbolicLink(proc.resolve((FakeProc.PID + 1) + "/root"), theirs);
        assertTrue(fake.procFs().sharesRoot(FakeProc.PID));
        assertFalse(fake.procFs().sharesRoot(FakeProc.PID + 1));
        assertFalse(fake.procFs().sharesRoot(FakeProc.PID + 2), "no such process");
        assertTrue(ProcFs.SYSTEM.sharesRoot(ProcessHandle.current().pid()));
    }

    @Test
    void onlyATargetThatCanWriteOurFilesMayWrite(@TempDir Path proc) throws IOException {
        FakeProc fake = new FakeProc(proc);
        long ours = FakeProc.PID;
        long other = FakeProc.PID + 1;
        long root = FakeProc.PID + 2;
        for (long pid : new long[] {ours, other, root}) {
            fake.process(pid, "/usr/bin/node", List.of("node"), FakeProc.SIGCGT_NODE);
        }
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("self/status"), "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\n");
        Files.writeString(proc.resolve(other + "/status"), "Name:\tnode\nUid:\t1000\t1001\t1001\t1001\n");
        Files.writeString(proc.resolve(root + "/status"), "Name:\tnode\nUid:\t0\t0\t0\t0\n");
        assertTrue(fake.procFs().canWriteOurFiles(ours), "uid 1000, as we are");
        assertFalse(fake.procFs().canWriteOurFiles(other), "file-system uid 1001");
        assertTrue(fake.procFs().canWriteOurFiles(root), "root");
        assertFalse(fake.procFs().canWriteOurFiles(FakeProc.PID + 3), "no such process");
        assertTrue(ProcFs.SYSTEM.canWriteOurFiles(ProcessHandle.current().pid()));
    }
}
