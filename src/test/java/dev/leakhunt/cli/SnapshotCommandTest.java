package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.analysis.Units;
import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.NodeSample;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * {@code leakhunt snapshot} end to end against real Node.js processes: the sql.js service of the seed story after
 * {@value #OPS} leaking operations (each keeps one copy of its 2 MiB database), shared by the tests, started with
 * {@code --inspect-port=0} so that SIGUSR1 opens a free port. After every test its only listening port must be its
 * HTTP port again, and it must still serve.
 */
@ResourceLock("node-inspector-ports")
class SnapshotCommandTest {
    static final int OPS = 5;
    private static final Pattern OPENED = Pattern.compile("opened the inspector of pid \\d+ on 127\\.0\\.0\\.1:(\\d+) ");
    private static final Pattern LISTENING = Pattern.compile("Debugger listening on (ws://127\\.0\\.0\\.1:(\\d+)/\\S+)");

    static NodeSample sql;
    static long dbBytes;

    @TempDir
    Path dir;

    @BeforeAll
    static void startTheService() throws IOException {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        assumeTrue(Files.isDirectory(NodeSample.samplesDir().resolve("sqljs-memfs-leak/node_modules/sql.js")),
                "run npm ci in samples/sqljs-memfs-leak");
        sql = NodeSample.start("sqljs-memfs-leak", "leak", OPS, "--inspect-port=0");
        dbBytes = sql.number("dbBytes");
    }

    @AfterAll
    static void stopTheService() {
        if (sql != null) {
            sql.close();
        }
    }

    @AfterEach
    void theServiceRunsOnWithNoInspectorLeftOpen() throws IOException {
        assertEquals(Set.of(sql.port()), listeningPorts(sql.pid()));
        assertTrue(sql.isAlive());
        assertEquals((long) OPS, sql.op(0).get("ops"));
    }

    /** The TCP ports that {@code pid}'s own sockets listen on: its socket inodes among the LISTEN rows. */
    static Set<Integer> listeningPorts(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:[")) {
                        inodes.add(link.substring(8, link.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        Set<Integer> ports = new TreeSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            List<String> rows;
            try (InputStream in = Files.newInputStream(Path.of("/proc/" + pid + "/net/" + table))) {
                rows = new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines().skip(1).toList();
            }
            for (String row : rows) {
                String[] f = row.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) {
                    ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }

    private static int openedPort(Cli r) {
        Matcher m = OPENED.matcher(r.err());
        assertTrue(m.find(), r.toString());
        return Integer.parseInt(m.group(1));
    }

    private static void assertOwnerOnlySnapshot(Path file) throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertFalse(Files.exists(file.resolveSibling(file.getFileName() + ".part")));
        try (InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(file))
                : Files.newInputStream(file)) {
            assertEquals("{\"snapshot\":", new String(in.readNBytes(12), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void theSqlJsServiceShowsOneGroupOfOpsTimesTheDatabase() throws IOException {
        Path out = dir.resolve("sql.heapsnapshot");
        Cli r = Cli.run("snapshot", Long.toString(sql.pid()), "-o", out.toString());
        assertEquals(0, r.exit(), r.toString());
        int inspectorPort = openedPort(r);
        assertEquals("leakhunt snapshot: opened the inspector of pid " + sql.pid() + " on 127.0.0.1:" + inspectorPort
                + " with SIGUSR1\nleakhunt snapshot: closed the inspector of pid " + sql.pid() + " on 127.0.0.1:"
                + inspectorPort + "\n", r.err());

        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("Process pid " + sql.pid() + " \\(node\\) · Node\\.js v\\d+\\.\\d+\\.\\d+ · "
                + "inspector 127\\.0\\.0\\.1:" + inspectorPort), lines.get(0));
        assertTrue(lines.get(1).startsWith("  rss "), lines.get(1));
        // the figures after the snapshot's collection, then (when garbage went) those before it
        int triage = lines.get(2).startsWith("  (after the snapshot's garbage collection; before it: ") ? 3 : 2;
        assertTrue(lines.get(triage).startsWith("  Triage: external memory ("), lines.get(triage));
        assertTrue(lines.get(triage + 1).endsWith("a native leak, which --max-old-space-size cannot help."),
                lines.get(triage + 1));
        assertTrue(Pattern.compile("(?m)^Heap snapshot '" + Pattern.quote(out.toString()) + "': .*, taken in .* s "
                + "\\(written by the target\\)$").matcher(r.out()).find(), "the target wrote it: " + r.out());
        // the group's rank depends on how large sql.js's own WebAssembly memory has grown
        assertTrue(Pattern.compile("(?m)^#\\d+  " + OPS + " × system / JSArrayBufferData @ "
                + Pattern.quote(Units.bytes(dbBytes) + " = " + Units.bytes(OPS * dbBytes)) + "$")
                .matcher(r.out()).find(), r.out());
        assertTrue(r.out().contains("{name: \"dbfile_"), "the MEMFS file names in the chain: " + r.out());
        // most members share one chain through the MEMFS name table; a file whose nearest path runs through its own
        // never-closed stream is still one of the group, held by the table
        Matcher sharing = Pattern.compile("(?m)^    (\\d+) of " + OPS + " share this chain$").matcher(r.out());
        assertTrue(sharing.find() && Integer.parseInt(sharing.group(1)) * 2 > OPS, r.out());
        assertTrue(Pattern.compile("(?m)^    holder: Array @\\d+ \\(").matcher(r.out()).find(), "the name table: " + r.out());
        assertOwnerOnlySnapshot(out);
    }

    @Test
    void directHasTheServiceWriteTheFileAndShowsTheSameGroup() throws IOException {
        Path out = dir.resolve("direct.heapsnapshot");
        Cli r = Cli.run("snapshot", Long.toString(sql.pid()), "--direct", "-o", out.toString(), "--top", "20");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(Pattern.compile("(?m)^Heap snapshot '" + Pattern.quote(out.toString()) + "': .*, taken in .* s "
                + "\\(written by the target\\)$").matcher(r.out()).find(), r.out());
        assertTrue(Pattern.compile("(?m)^#\\d+  " + OPS + " × system / JSArrayBufferData @ "
                + Pattern.quote(Units.bytes(dbBytes) + " = " + Units.bytes(OPS * dbBytes)) + "$")
                .matcher(r.out()).find(), r.out());
        assertOwnerOnlySnapshot(out);

        Cli json = Cli.run("snapshot", Long.toString(sql.pid()), "--direct", "--no-analyze", "--json", "-o",
                dir.resolve("direct2.heapsnapshot").toString());
        assertEquals(0, json.exit(), json.toString());
        Map<String, Object> capture = SnapshotCommandFaultsTest.Json.map(SnapshotCommandFaultsTest.Json.object(
                json.out()), "capture");
        assertEquals(true, capture.get("direct"));
        assertEquals(Files.size(dir.resolve("direct2.heapsnapshot")), capture.get("bytes"));
        // @AfterEach: the inspector we opened is closed, the service runs on
    }

    @Test
    void streamHasTheSnapshotSentOverTheInspector() throws IOException {
        Path out = dir.resolve("streamed.heapsnapshot");
        Cli r = Cli.run("snapshot", Long.toString(sql.pid()), "--stream", "--no-analyze", "--json", "-o",
                out.toString());
        assertEquals(0, r.exit(), r.toString());
        Map<String, Object> capture = SnapshotCommandFaultsTest.Json.map(SnapshotCommandFaultsTest.Json.object(
                r.out()), "capture");
        assertEquals(false, capture.get("direct"));
        assertEquals(Files.size(out), capture.get("bytes"));
        assertOwnerOnlySnapshot(out);
        Cli both = Cli.run("snapshot", Long.toString(sql.pid()), "--stream", "--direct");
        assertEquals(2, both.exit(), both.toString());
        assertEquals("leakhunt snapshot: give --direct or --stream, not both", both.err().lines().findFirst()
                .orElse(""));
    }

    /** A Node process whose own v8.writeHeapSnapshot throws {@code error} (+ the file's name), once it is ready. */
    private static Process nodeWhoseWriteThrows(String error) throws IOException {
        Process node = new ProcessBuilder("node", "--inspect-port=0", "-e", "require('v8').writeHeapSnapshot = "
                + "(file) => { throw new Error('" + error + "' + file); }; setInterval(() => {}, 1000);"
                + " console.log('ready')").start();
        String first = new java.io.BufferedReader(new java.io.InputStreamReader(node.getInputStream(),
                StandardCharsets.UTF_8)).readLine();
        if (!"ready".equals(first)) {
            node.destroyForcibly();
            throw new AssertionError("node did not start: " + first);
        }
        return node;
    }

    @Test
    void aTargetThatCannotWriteTheFileStreamsItUnlessDirectWasAsked() throws Exception {
        // Its own v8.writeHeapSnapshot fails as an unwritable file would, before writing anything.
        Process node = nodeWhoseWriteThrows("EACCES: permission denied, open ");
        try {
            Path out = dir.resolve("fallback.heapsnapshot");
            Cli r = Cli.run("snapshot", Long.toString(node.pid()), "--no-analyze", "--json", "-o", out.toString());
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.err().contains(" could not write the heap snapshot: Error: EACCES: permission denied, open "
                    + out + ".part; streaming it instead\n"), r.err());
            Map<String, Object> capture = SnapshotCommandFaultsTest.Json.map(SnapshotCommandFaultsTest.Json.object(
                    r.out()), "capture");
            assertEquals(false, capture.get("direct"));
            assertOwnerOnlySnapshot(out);

            Path forced = dir.resolve("forced.heapsnapshot");
            Cli d = Cli.run("snapshot", Long.toString(node.pid()), "--no-analyze", "--direct", "-o",
                    forced.toString());
            assertEquals(3, d.exit(), d.toString());
            List<String> errors = d.err().lines().filter(l -> !l.matches("leakhunt snapshot: (opened|closed) the "
                    + "inspector .*")).toList();
            assertEquals(1, errors.size(), d.err());
            assertTrue(errors.get(0).matches("leakhunt snapshot: the inspector of pid " + node.pid() + " at \\S+ "
                    + "could not write the heap snapshot: Error: EACCES: permission denied, open .*"), d.err());
            assertFalse(Files.exists(forced));
            assertFalse(Files.exists(dir.resolve("forced.heapsnapshot.part")));
            assertTrue(node.isAlive());
            assertEquals(Set.of(), listeningPorts(node.pid()), "the inspector we opened is closed");
        } finally {
            node.destroyForcibly();
        }
    }

    @Test
    void aFullDiskIsNotStreamedAgain() throws Exception {
        Process node = nodeWhoseWriteThrows("ENOSPC: no space left on device, write ");
        try {
            Path out = dir.resolve("full.heapsnapshot");
            Cli r = Cli.run("snapshot", Long.toString(node.pid()), "--no-analyze", "-o", out.toString());
            assertEquals(3, r.exit(), r.toString());
            assertFalse(r.err().contains("streaming it instead"), r.err());
            assertTrue(r.err().contains("could not write the heap snapshot: Error: ENOSPC: no space left on device"),
                    r.err());
            assertFalse(Files.exists(out));
            assertFalse(Files.exists(dir.resolve("full.heapsnapshot.part")));
            assertEquals(Set.of(), listeningPorts(node.pid()), "the inspector we opened is closed");
            assertTrue(node.isAlive());
        } finally {
            node.destroyForcibly();
        }
    }

    @Test
    void directNeedsAPidAndPlainText() {
        Cli port = Cli.run("snapshot", "--port", "9229", "--direct");
        assertEquals(2, port.exit(), port.toString());
        assertTrue(port.err().startsWith("leakhunt snapshot: --direct needs a pid: the target writes the file"),
                port.err());
        for (String[] args : List.of(new String[] {"--gzip"}, new String[] {"-o", "x.heapsnapshot.gz"})) {
            List<String> argv = new java.util.ArrayList<>(List.of("snapshot", Long.toString(sql.pid()), "--direct"));
            argv.addAll(List.of(args));
            Cli gz = Cli.run(argv.toArray(String[]::new));
            assertEquals(2, gz.exit(), gz.toString());
            assertEquals("leakhunt snapshot: --direct cannot compress: the target writes plain text (leave out "
                    + "--gzip or --direct)\n", gz.err().lines().findFirst().orElse("") + "\n");
        }
    }

    @Test
    void jsonHasTheProcessItsMemoryAndTheCapture() throws IOException {
        Path out = dir.resolve("sql.heapsnapshot.gz");
        Cli r = Cli.run("snapshot", Long.toString(sql.pid()), "-o", out.toString(), "--json", "--top", "3");
        assertEquals(0, r.exit(), r.toString());
        Map<String, Object> doc = SnapshotCommandFaultsTest.Json.object(r.out());
        Map<String, Object> process = SnapshotCommandFaultsTest.Json.map(doc, "process");
        assertEquals(sql.pid(), process.get("pid"));
        assertTrue(String.valueOf(process.get("nodeVersion")).matches("v\\d+\\.\\d+\\.\\d+.*"), process.toString());
        assertEquals("native", process.get("triage"));
        Map<String, Object> usage = SnapshotCommandFaultsTest.Json.map(process, "memoryUsage");
        long arrayBuffers = (Long) usage.get("arrayBuffers");
        assertTrue(arrayBuffers >= OPS * dbBytes, usage.toString());
        assertTrue((Long) usage.get("external") >= arrayBuffers, usage.toString());
        assertTrue((Long) usage.get("rss") > (Long) usage.get("heapTotal"), usage.toString());
        assertTrue((Long) usage.get("heapTotal") >= (Long) usage.get("heapUsed"), usage.toString());

        Map<String, Object> capture = SnapshotCommandFaultsTest.Json.map(doc, "capture");
        assertEquals(out.toString(), capture.get("file"));
        assertEquals(Files.size(out), capture.get("bytes"));
        assertTrue((Long) capture.get("millis") > 0);
        assertEquals(false, capture.get("direct"));
        assertOwnerOnlySnapshot(out);

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> groups = (List<Map<String, Object>>) doc.get("groups");
        assertTrue(groups.stream().anyMatch(g -> g.get("count").equals((long) OPS)
                && g.get("sizeBytes").equals(dbBytes) && g.get("totalBytes").equals(OPS * dbBytes)), groups.toString());
        Map<String, Object> metrics = SnapshotCommandFaultsTest.Json.map(doc, "metrics");
        assertEquals(arrayBuffers, metrics.get("array-buffers-bytes"));
        assertEquals(usage.get("rss"), metrics.get("rss-bytes"));
        assertTrue((Long) metrics.get("native-bytes") >= OPS * dbBytes, metrics.toString());
        assertEquals(List.of(), doc.get("failed"));
    }

    @Test
    void failIfOnTheProcessFiguresDecidesTheExitCode() throws IOException {
        Cli leak = Cli.run("snapshot", Long.toString(sql.pid()), "--no-analyze", "-o",
                dir.resolve("a.heapsnapshot").toString(), "--fail-if", "array-buffers-bytes > 1MiB");
        assertEquals(1, leak.exit(), leak.toString());
        assertTrue(leak.err().contains("leakhunt snapshot: assertion failed: array-buffers-bytes > 1MiB "
                + "(array-buffers-bytes is "), leak.err());
        Cli fine = Cli.run("snapshot", Long.toString(sql.pid()), "--no-analyze", "-o",
                dir.resolve("b.heapsnapshot").toString(), "--fail-if", "array-buffers-bytes > 1GiB");
        assertEquals(0, fine.exit(), fine.toString());
        assertFalse(fine.err().contains("assertion failed"), fine.err());
    }

    @Test
    void noAnalyzeWritesTheDefaultNameIntoAnOutputDirectory() throws IOException {
        Cli r = Cli.run("snapshot", Long.toString(sql.pid()), "--no-analyze", "--gzip", "-o", dir.toString());
        assertEquals(0, r.exit(), r.toString());
        List<Path> files;
        try (var list = Files.list(dir)) {
            files = list.toList();
        }
        assertEquals(1, files.size(), files.toString());
        Path file = files.get(0);
        assertTrue(file.getFileName().toString().matches("node-" + sql.pid() + "-\\d{8}-\\d{6}\\.heapsnapshot\\.gz"),
                file.toString());
        assertOwnerOnlySnapshot(file);
        assertTrue(r.out().contains("Heap snapshot '" + file + "': "), r.out());
        assertTrue(r.out().contains("'leakhunt analyze " + file + "' shows what holds it."), r.out());
        assertFalse(r.out().contains("ArrayBuffer backing-store groups"), "no analysis: " + r.out());
    }

    @Test
    void withoutOutputTheDefaultNameGoesToTheWorkingDirectory() throws Exception {
        // A JVM of its own, since the working directory of this one cannot change.
        String java = ProcessHandle.current().info().command().orElse("java");
        Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LeakHunt.class.getName(),
                "snapshot", Long.toString(sql.pid()), "--no-analyze").directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        assertTrue(jvm.waitFor(60, TimeUnit.SECONDS));
        String out = Files.readString(dir.resolve("stdout.txt"));
        assertEquals(0, jvm.exitValue(), out + Files.readString(dir.resolve("stderr.txt")));
        List<Path> snapshots;
        try (var list = Files.list(dir)) {
            snapshots = list.filter(f -> f.getFileName().toString().endsWith(".heapsnapshot")).toList();
        }
        assertEquals(1, snapshots.size(), snapshots.toString());
        String name = snapshots.get(0).getFileName().toString();
        assertTrue(name.matches("node-" + sql.pid() + "-\\d{8}-\\d{6}\\.heapsnapshot"), name);
        assertTrue(out.contains("Heap snapshot '" + name + "': "), out);
        assertOwnerOnlySnapshot(snapshots.get(0));
    }

    @Test
    void aProcessThatIsNotNodeIsRefusedAndLeftRunning() throws Exception {
        try (dev.leakhunt.testing.SignalWitness sleep = dev.leakhunt.testing.SignalWitness.start()) {
            Cli r = Cli.run("snapshot", Long.toString(sleep.pid()), "-o", dir.resolve("x.heapsnapshot").toString());
            assertEquals(3, r.exit(), r.toString());
            assertTrue(r.err().matches("leakhunt snapshot: pid " + sleep.pid() + " is not a Node\\.js process "
                    + "\\('/.*sleep'\\)\n"), r.err());
            assertEquals("", r.out());
            assertTrue(sleep.untouched(), "not signalled (a sent signal would be pending: it is blocked)");
        }
        try (var list = Files.list(dir)) {
            assertEquals(0, list.count());
        }
    }

    @Test
    void aPidThatDoesNotExistIsExit3() throws IOException {
        long pidMax;
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/kernel/pid_max"))) {
            pidMax = Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
        Cli r = Cli.run("snapshot", Long.toString(pidMax + 1));
        assertEquals(3, r.exit(), r.toString());
        assertEquals("leakhunt snapshot: no process with pid " + (pidMax + 1) + "\n", r.err());
    }

    @Test
    void anUnwritableOutputDirectoryIsExit3WithNoPartAndNoInspectorLeft() throws Exception {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        boolean immutable = lock(locked);
        try {
            assumeTrue(!Files.isWritable(locked), "cannot make a directory unwritable here");
            Path out = locked.resolve("x.heapsnapshot");
            Cli r = Cli.run("snapshot", Long.toString(sql.pid()), "-o", out.toString());
            assertEquals(3, r.exit(), r.toString());
            assertEquals("leakhunt snapshot: cannot write to '" + locked + "': permission denied\n", r.err());
            try (var list = Files.list(locked)) {
                assertEquals(0, list.count(), "no file, no .part");
            }
        } finally {
            if (immutable) {
                new ProcessBuilder("chattr", "-i", locked.toString()).start().waitFor();
            }
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
        // @AfterEach: no inspector left listening, the service runs on
    }

    /** Takes write permission away; as root that needs the immutable attribute. Returns whether that was used. */
    private static boolean lock(Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
        if (Files.isWritable(dir)) {
            Process chattr = new ProcessBuilder("chattr", "+i", dir.toString()).redirectErrorStream(true).start();
            chattr.getInputStream().readAllBytes();
            return chattr.waitFor() == 0;
        }
        return false;
    }

    @Test
    void byPortAndByUrlAnInspectorOpenedAtStartIsUsedAndLeftOpen() throws Exception {
        try (NodeSample target = NodeSample.start("sqljs-memfs-leak", "leak", 2, "--inspect=127.0.0.1:0")) {
            Matcher m = null;
            for (int i = 0; i < 100 && (m == null || !m.find(0)); i++) {
                m = LISTENING.matcher(target.stderr());
                Thread.sleep(50);
            }
            assertTrue(m.find(0), target.stderr());
            int inspectorPort = Integer.parseInt(m.group(2));
            String url = m.group(1);

            Path byPort = dir.resolve("port.heapsnapshot");
            Cli r = Cli.run("snapshot", "--port", Integer.toString(inspectorPort), "-o", byPort.toString(),
                    "--top", "3");
            assertEquals(0, r.exit(), r.toString());
            assertEquals("", r.err(), "nothing opened or closed");
            assertTrue(r.out().startsWith("Process pid " + target.pid() + " (node) · Node.js v"), r.out());
            assertTrue(Pattern.compile("(?m)^#\\d+  2 × system / JSArrayBufferData @ ").matcher(r.out()).find(),
                    r.out());
            assertOwnerOnlySnapshot(byPort);

            Cli u = Cli.run("snapshot", "--url", url, "--no-analyze", "-o", dir.toString());
            assertEquals(0, u.exit(), u.toString());
            assertTrue(u.out().contains("Heap snapshot '" + dir.resolve("node-" + target.pid() + "-")), u.out());

            assertEquals(Set.of(target.port(), inspectorPort), listeningPorts(target.pid()), "left open");
            assertTrue(target.isAlive());
        }
    }

    @Test
    void timeoutBoundsTheWaitForAnInspectorThatNeverOpens() throws Exception {
        // A SIGUSR1 listener of its own stops Node opening the inspector on the signal.
        Process node = new ProcessBuilder("node", "--inspect-port=0", "-e", "process.on('SIGUSR1', () => {});"
                + " setInterval(() => {}, 1000); console.log('ready')").start();
        try {
            assertEquals("ready", new java.io.BufferedReader(new java.io.InputStreamReader(node.getInputStream(),
                    StandardCharsets.UTF_8)).readLine());
            long start = System.nanoTime();
            Cli r = Cli.run("snapshot", Long.toString(node.pid()), "--timeout", "1s", "-o",
                    dir.resolve("x.heapsnapshot").toString());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(3, r.exit(), r.toString());
            assertTrue(r.err().startsWith("leakhunt snapshot: pid " + node.pid() + " opened no inspector within 1 s"
                    + " of SIGUSR1"), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(millis < 5000, millis + " ms");
            assertTrue(node.isAlive());
        } finally {
            node.destroyForcibly();
        }
    }
}
