package dev.leakhunt.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.NodeSample;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Against real Node.js processes (the {@code js-heap-leak} sample). Targets get {@code --inspect-port=0} where the
 * port does not matter, so that SIGUSR1 opens a free port rather than 9229, which the two tests about 9229 need
 * free (they are skipped when something else holds it).
 */
@ResourceLock("node-inspector-ports")
class NodeInspectorTest {
    private static final String SAMPLE = "js-heap-leak";
    private static final Pattern LISTENING = Pattern.compile("Debugger listening on ws://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    @BeforeAll
    static void needsNode() {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
    }

    private static InspectorSession.Options options(List<String> notes) {
        return InspectorSession.Options.defaults().withNotes(notes::add);
    }

    private static boolean listens(long pid, int port) {
        try {
            return ProcFs.SYSTEM.listeningOf(pid).stream().anyMatch(s -> s.port() == port);
        } catch (IOException e) {
            return false;
        }
    }

    private static int port(InspectorSession session) {
        String endpoint = session.endpoint();
        return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
    }

    /** Whether anything listens on 9229 in our network namespace. */
    private static boolean port9229Taken() throws IOException {
        return ProcFs.SYSTEM.listeningInNamespaceOf(ProcessHandle.current().pid()).stream()
                .anyMatch(s -> s.port() == InspectorFlags.DEFAULT_PORT);
    }

    /** The port of an inspector opened at start ({@code --inspect=127.0.0.1:0}), from the target's stderr. */
    private static int inspectorPortFromStderr(NodeSample sample) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            Matcher m = LISTENING.matcher(sample.stderr());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no 'Debugger listening' on stderr: " + sample.stderr());
    }

    private static void assertHeapSnapshotFile(Capture capture) throws IOException {
        Path file = capture.path();
        assertTrue(capture.bytes() > 100_000, "bytes " + capture.bytes());
        assertEquals(Files.size(file), capture.bytes());
        byte[] head = new byte[12];
        try (InputStream in = Files.newInputStream(file)) {
            assertEquals(12, in.readNBytes(head, 0, 12));
        }
        assertEquals("{\"snapshot\":", new String(head, StandardCharsets.US_ASCII));
        try (var channel = Files.newByteChannel(file)) {
            java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
            channel.position(capture.bytes() - 1).read(last);
            assertEquals('}', last.get(0));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertFalse(Files.exists(file.resolveSibling(file.getFileName() + ".part")));
    }

    @Test
    void refusesAProcessThatIsNotNodeAndLeavesItAlone() throws Exception {
        try (dev.leakhunt.testing.SignalWitness sleep = dev.leakhunt.testing.SignalWitness.start()) {
            IOException e = assertThrows(IOException.class,
                    () -> InspectorSession.forPid(sleep.pid(), InspectorSession.Options.defaults()));
            assertTrue(e.getMessage().matches("pid " + sleep.pid() + " is not a Node\\.js process \\('/.*sleep'\\)"),
                    e.getMessage());
            assertTrue(sleep.untouched(), "no signal sent (a sent one would be pending: it is blocked)");
            // the witness can tell: a SIGUSR1 sent now shows
            assertEquals(0, new ProcessBuilder("kill", "-USR1", Long.toString(sleep.pid())).start().waitFor());
            assertTrue(sleep.received("USR1"));
        }
    }

    @Test
    void saysWhenThePidDoesNotExist() throws IOException {
        long pidMax;
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/kernel/pid_max"))) {
            pidMax = Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
        IOException e = assertThrows(IOException.class,
                () -> InspectorSession.forPid(pidMax + 1, InspectorSession.Options.defaults()));
        assertEquals("no process with pid " + (pidMax + 1), e.getMessage());
    }

    @Test
    void opensWithSigusr1CapturesAndClosesAgain() throws IOException {
        try (NodeSample sample = NodeSample.start(SAMPLE, "leak", 50, "--inspect-port=0")) {
            assertEquals(1, ProcFs.SYSTEM.listeningOf(sample.pid()).size(), "only its HTTP port before");
            List<String> notes = new CopyOnWriteArrayList<>();
            int inspectorPort;
            try (InspectorSession session = InspectorSession.forPid(sample.pid(), options(notes))) {
                assertTrue(session.openedInspector());
                inspectorPort = port(session);
                assertNotEquals(sample.port(), inspectorPort);
                assertTrue(listens(sample.pid(), inspectorPort));

                MemoryUsage usage = session.memoryUsage();
                assertTrue(usage.rss() > usage.heapTotal() && usage.heapTotal() >= usage.heapUsed()
                        && usage.heapUsed() > 1_000_000 && usage.external() >= usage.arrayBuffers(), usage.toString());
                ProcessInfo info = session.processInfo();
                assertEquals(sample.pid(), info.pid());
                assertTrue(info.nodeVersion().matches("v\\d+\\.\\d+\\.\\d+.*"), info.nodeVersion());
                assertTrue(info.argv().get(1).endsWith("server.js"), info.argv().toString());

                session.collectGarbage();
                assertHeapSnapshotFile(session.captureHeapSnapshot(dir.resolve("a.heapsnapshot"), false, null));
            }
            assertFalse(listens(sample.pid(), inspectorPort), "the inspector we opened is closed again");
            assertTrue(sample.isAlive());
            assertEquals(51L, sample.op(1).get("ops"));
            assertEquals(List.of("opened the inspector of pid " + sample.pid() + " on 127.0.0.1:" + inspectorPort
                    + " with SIGUSR1", "closed the inspector of pid " + sample.pid() + " on 127.0.0.1:"
                    + inspectorPort), notes);

            // And again: after process._debugEnd() a second SIGUSR1 opens it anew (the diff workflow needs two).
            try (InspectorSession again = InspectorSession.forPid(sample.pid(), options(notes))) {
                assertTrue(again.openedInspector());
                assertEquals(sample.pid(), again.processInfo().pid());
                inspectorPort = port(again);
            }
            assertFalse(listens(sample.pid(), inspectorPort));
            assertTrue(sample.isAlive());
        }
    }

    @Test
    void opensOnTheDefaultPort9229() throws IOException {
        assumeTrue(!port9229Taken(), "something else holds port 9229");
        try (NodeSample sample = NodeSample.start(SAMPLE, "fixed", 10)) {
            Path gz = dir.resolve("b.heapsnapshot.gz");
            try (InspectorSession session = InspectorSession.forPid(sample.pid(), InspectorSession.Options.defaults())) {
                assertEquals("127.0.0.1:9229", session.endpoint());
                Capture capture = session.captureHeapSnapshot(gz, true, ProgressListener.NONE);
                try (InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(gz))) {
                    assertEquals("{\"snapshot\":", new String(in.readNBytes(12), StandardCharsets.US_ASCII));
                }
                assertEquals(Files.size(gz), capture.bytes());
            }
            assertFalse(listens(sample.pid(), 9229));
            assertTrue(sample.isAlive());
        }
    }

    @Test
    void anInspectorOpenBeforeIsLeftOpen() throws Exception {
        try (NodeSample sample = NodeSample.start(SAMPLE, "leak", 10, "--inspect=127.0.0.1:0")) {
            int inspectorPort = inspectorPortFromStderr(sample);
            List<String> notes = new CopyOnWriteArrayList<>();
            try (InspectorSession session = InspectorSession.forPid(sample.pid(), options(notes))) {
                assertFalse(session.openedInspector());
                assertEquals("127.0.0.1:" + inspectorPort, session.endpoint());
                assertEquals(sample.pid(), session.processInfo().pid());
            }
            assertTrue(listens(sample.pid(), inspectorPort));
            assertEquals(List.of(), notes);
            assertTrue(sample.stderr().contains("Debugger attached."), sample.stderr());
        }
    }

    @Test
    void saysWhenSigusr1OpensNothing() throws Exception {
        // A program's own SIGUSR1 listener replaces Node's: the signal then opens no inspector (Node 20).
        Process node = new ProcessBuilder("node", "--inspect-port=0", "-e", "process.on('SIGUSR1', () => {});"
                + " setInterval(() => {}, 1000); console.log('ready')").start();
        try {
            assertEquals("ready", new java.io.BufferedReader(new java.io.InputStreamReader(node.getInputStream(),
                    StandardCharsets.UTF_8)).readLine());
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> InspectorSession.forPid(node.pid(),
                    InspectorSession.Options.defaults().withOpenTimeoutMillis(1000)));
            assertEquals("pid " + node.pid() + " opened no inspector within 1 s of SIGUSR1 (a SIGUSR1 listener of"
                    + " its own stops Node opening one); start it with --inspect=0 to open the inspector at start, or"
                    + " pass --port if it listens where /proc does not show", e.getMessage());
            assertTrue(System.nanoTime() - start < 5_000_000_000L);
            assertTrue(node.isAlive());
        } finally {
            node.destroyForcibly();
        }
    }

    @Test
    void keepInspectorLeavesOursOpen() throws IOException {
        try (NodeSample sample = NodeSample.start(SAMPLE, "leak", 10, "--inspect-port=0")) {
            int inspectorPort;
            try (InspectorSession session = InspectorSession.forPid(sample.pid(),
                    InspectorSession.Options.defaults().withKeepInspector(true))) {
                assertTrue(session.openedInspector());
                inspectorPort = port(session);
            }
            assertTrue(listens(sample.pid(), inspectorPort));
            try (InspectorSession session = InspectorSession.forPid(sample.pid(), InspectorSession.Options.defaults())) {
                assertFalse(session.openedInspector(), "found open, so left open");
                assertEquals(inspectorPort, port(session));
            }
            assertTrue(listens(sample.pid(), inspectorPort));
        }
    }

    @Test
    void port9229HeldByAnotherNodeProcessIsNamedAndThatProcessIsLeftAlone() throws IOException {
        assumeTrue(!port9229Taken(), "something else holds port 9229");
        try (NodeSample holder = NodeSample.start(SAMPLE, "leak", 0, "--inspect=127.0.0.1:9229");
             NodeSample target = NodeSample.start(SAMPLE, "leak", 0)) {
            assertTrue(listens(holder.pid(), 9229));
            IOException e = assertThrows(IOException.class,
                    () -> InspectorSession.forPid(target.pid(), InspectorSession.Options.defaults()));
            assertTrue(e.getMessage().startsWith("cannot open the inspector of pid " + target.pid() + ": 127.0.0.1:9229,"
                    + " where SIGUSR1 opens its inspector, is held by pid " + holder.pid() + " ('node"), e.getMessage());
            assertTrue(e.getMessage().endsWith("; start pid " + target.pid() + " with --inspect-port=0, or free the port"),
                    e.getMessage());
            assertFalse(holder.stderr().contains("Debugger attached."), "nobody connected to the holder");
            assertEquals(1, ProcFs.SYSTEM.listeningOf(target.pid()).size(), "the target opened nothing");
            assertTrue(target.isAlive());
            assertTrue(holder.isAlive());
        }
    }

    @Test
    void targetExitingMidCaptureFailsAndLeavesNoFile() throws IOException {
        try (NodeSample sample = NodeSample.start(SAMPLE, "leak", 300, "--inspect-port=0")) {
            Path out = dir.resolve("killed.heapsnapshot");
            try (InspectorSession session = InspectorSession.forPid(sample.pid(), InspectorSession.Options.defaults())) {
                ProgressListener killer = new ProgressListener() {
                    @Override
                    public void writing(long bytes) {
                        sample.process().destroyForcibly();
                    }
                };
                IOException e = assertThrows(IOException.class, () -> session.captureHeapSnapshot(out, false, killer));
                assertEquals("pid " + sample.pid() + " exited during the heap snapshot; '" + out + "' not written",
                        e.getMessage());
                assertFalse(session.isConnected());
            }
            assertFalse(Files.exists(out));
            assertFalse(Files.exists(dir.resolve("killed.heapsnapshot.part")));
        }
    }

    @Test
    void ctrlCClosesTheInspectorWeOpened() throws Exception {
        try (NodeSample sample = NodeSample.start(SAMPLE, "leak", 10, "--inspect-port=0")) {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    ShutdownHookProbe.class.getName(), Long.toString(sample.pid())).redirectErrorStream(true).start();
            try {
                String line = new java.io.BufferedReader(new java.io.InputStreamReader(jvm.getInputStream(),
                        StandardCharsets.UTF_8)).readLine();
                assertTrue(line != null && line.startsWith("open "), "probe said: " + line);
                int inspectorPort = Integer.parseInt(line.substring(5));
                assertTrue(listens(sample.pid(), inspectorPort));

                new ProcessBuilder("kill", "-INT", Long.toString(jvm.pid())).start().waitFor();
                assertTrue(jvm.waitFor(15, TimeUnit.SECONDS), "the probe JVM exited on SIGINT");
                assertFalse(listens(sample.pid(), inspectorPort), "its shutdown hook closed the inspector");
                assertTrue(sample.isAlive());
            } finally {
                jvm.destroyForcibly();
            }
        }
    }

    @Test
    void saysWhoseProcessItIsWhenProcIsNotOursToRead(@TempDir Path classpath) throws Exception {
        assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "needs root to switch user");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv");
        // The unprivileged JVM needs a classpath it may read: copy ours (classes and jackson-core) to a temp dir.
        List<String> entries = new java.util.ArrayList<>();
        for (Class<?> type : List.of(InspectorSession.class, PermissionProbe.class,
                com.fasterxml.jackson.core.JsonFactory.class)) {
            Path from = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path to = classpath.resolve(entries.size() + "-" + from.getFileName());
            try (var files = Files.walk(from)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.copy(file, to.resolve(from.relativize(file).toString()));
                }
            }
            entries.add(to.toString());
        }
        try (var files = Files.walk(classpath)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(
                        Files.isDirectory(file) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        try (NodeSample sample = NodeSample.start(SAMPLE, "leak", 0, "--inspect-port=0")) {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process probe = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", java,
                    "-cp", String.join(":", entries), PermissionProbe.class.getName(), Long.toString(sample.pid()))
                    .redirectErrorStream(true).start();
            String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(probe.waitFor(30, TimeUnit.SECONDS));
            assertEquals("cannot read /proc/" + sample.pid() + "/fd: permission denied (pid " + sample.pid()
                    + " belongs to uid 0; run leakhunt as that user or as root)", output);
            assertEquals(1, ProcFs.SYSTEM.listeningOf(sample.pid()).size(), "not signalled");
        }
    }

    @Test
    void refusesAnInspectorThatBelongsToAnotherPid(@TempDir Path procRoot) throws Exception {
        try (NodeSample sample = NodeSample.start(SAMPLE, "leak", 0, "--inspect=127.0.0.1:0")) {
            int inspectorPort = inspectorPortFromStderr(sample);
            long inode = ProcFs.SYSTEM.listeningOf(sample.pid()).stream().filter(s -> s.port() == inspectorPort)
                    .findFirst().orElseThrow().inode();
            // A pid whose /proc claims the sample's inspector socket, as an inherited socket would.
            FakeProc fake = new FakeProc(procRoot)
                    .process(FakeProc.PID, "/usr/bin/node", List.of("node", "app.js"), FakeProc.SIGCGT_NODE)
                    .socket(FakeProc.PID, 3, inode)
                    .tcp(FakeProc.PID, Files.readString(Path.of("/proc/" + sample.pid() + "/net/tcp")).lines().skip(1)
                            .map(l -> l + "\n").reduce("", String::concat), "");
            IOException e = assertThrows(IOException.class,
                    () -> InspectorSession.forPid(fake.procFs(), FakeProc.PID, InspectorSession.Options.defaults()));
            assertEquals("the inspector at 127.0.0.1:" + inspectorPort + " belongs to pid " + sample.pid() + ", not "
                    + FakeProc.PID, e.getMessage());
            assertTrue(listens(sample.pid(), inspectorPort));
        }
    }

    @Test
    void connectsByPortAndByUrlWithoutAPid() throws Exception {
        try (NodeSample sample = NodeSample.start(SAMPLE, "leak", 10, "--inspect=127.0.0.1:0")) {
            int inspectorPort = inspectorPortFromStderr(sample);
            List<InspectorTarget> targets = InspectorSession.listTargets(null, inspectorPort,
                    InspectorSession.Options.defaults());
            assertEquals("node", targets.get(0).type());
            try (InspectorSession session = InspectorSession.forPort(null, inspectorPort, null)) {
                assertEquals(sample.pid(), session.processInfo().pid());
                assertFalse(session.openedInspector());
            }
            try (InspectorSession session = InspectorSession.forUrl(targets.get(0).webSocketUrl(),
                    InspectorSession.Options.defaults())) {
                assertTrue(session.memoryUsage().heapUsed() > 0);
            }
            assertTrue(listens(sample.pid(), inspectorPort));
        }
    }
}
