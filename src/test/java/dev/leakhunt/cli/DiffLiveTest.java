package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.Ids;
import dev.leakhunt.testing.Streams;
import dev.leakhunt.testing.NodeSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code diff --pid}: snapshots of real Node.js services taken in one inspector session, whose ids match, around a
 * load command or on an interval; and what it leaves behind: nothing open, nothing on disk without {@code -o}.
 */
class DiffLiveTest {
    private static final String JS_HEAP = "js-heap-leak";
    private static final String SQL = "sqljs-memfs-leak";
    private static final Pattern SNAPSHOT_PATH = Pattern.compile("(?m)^snapshot-was (\\S+) pid (\\d+)$");

    @TempDir
    Path dir;

    @BeforeAll
    static void nodeIsThere() {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
    }

    /** A shell command that runs {@code n} operations of the sample and prints where the last snapshot was. */
    private static String load(NodeSample sample, int n) {
        return "node -e \"fetch('http://127.0.0.1:" + sample.port() + "/op?n=" + n + "').then(r => r.text())"
                + ".then(t => console.log(t))\" && echo \"snapshot-was $LEAKHUNT_SNAPSHOT pid $LEAKHUNT_PID\"";
    }

    /** The first object group's fields but its chain, for a failure's message. */
    private static String firstGroup(Map<String, String> j) {
        return String.join("\n", j.entrySet().stream().filter(e -> e.getKey().startsWith("/diff/objectGroups/0/")
                && !e.getKey().contains("/chain/")).map(Object::toString).toList());
    }

    private static long number(Map<String, String> j, String pointer) {
        String v = j.get(pointer);
        assertNotNull(v, pointer + " in " + j);
        return Long.parseLong(v);
    }

    /** The sample's own port only: the inspector leakhunt opened is closed again. */
    private static void assertNoInspectorLeft(NodeSample sample) throws IOException {
        assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()));
        assertTrue(sample.isAlive());
    }

    /** The temporary snapshot the load command saw is gone, and its directory with it. */
    private static void assertTemporaryRemoved(Cli r, long pid) {
        Matcher m = SNAPSHOT_PATH.matcher(r.err());
        assertTrue(m.find(), "the load command ran and printed its environment: " + r.err());
        assertEquals(Long.toString(pid), m.group(2));
        Path file = Path.of(m.group(1));
        assertTrue(file.getFileName().toString().endsWith("-A.heapsnapshot"), file.toString());
        assertFalse(Files.exists(file), file + " is removed");
        assertFalse(Files.exists(file.getParent()), file.getParent() + " is removed");
    }

    @Test
    void aJsHeapLeakThroughALoadCommandIsMatchedByIdAndHeldByTheMap() throws IOException {
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 20, "--inspect-port=0")) {
            Cli r = Cli.run("diff", "--pid", Long.toString(sample.pid()), "--between", load(sample, 200), "--json",
                    "--fail-if", "growth-bytes > 1MiB");
            assertEquals(1, r.exit(), r.toString());
            Map<String, String> j = Streams.pointers(r.out());
            assertEquals("ids", j.get("/diff/mode"));
            long checked = number(j, "/diff/identity/checkedIds");
            assertTrue(checked > 1000, "ids sampled: " + checked);
            Ids.assertMatch(checked, number(j, "/diff/identity/agreeingIds")); // one session
            // the largest new group, and the verdict, name the Map the handlers stay in
            assertEquals("Map", j.get("/diff/objectGroups/0/group/holder/name"), firstGroup(j));
            long strings = number(j, "/diff/objectGroups/0/group/count");
            assertTrue(strings >= 200 * 64 && strings % 200 == 0, "strings of 200 requests: " + strings);
            assertTrue(j.get("/diff/verdict").contains("are all held by Map @"), j.get("/diff/verdict"));
            assertTrue(j.get("/diff/verdict").contains("handlers of Object"), j.get("/diff/verdict"));
            // B's suspects: the 20 + 200 closures in the Map, by their keys
            assertEquals("js", j.get("/diff/suspects/0/kind"));
            assertEquals(220, number(j, "/diff/suspects/0/count"));
            assertEquals("onRequestDone()", j.get("/diff/suspects/0/memberClass"));
            assertEquals("Map", j.get("/diff/suspects/0/holder/name"));
            assertEquals("\"handler-0\"", j.get("/diff/suspects/0/keys/0"));
            // how it was taken
            assertEquals(Long.toString(sample.pid()), j.get("/diff/pid"));
            for (int i = 0; i < 2; i++) {
                assertEquals(i == 0 ? "A" : "B", j.get("/diff/capture/" + i + "/label"));
                assertEquals("null", j.get("/diff/capture/" + i + "/file"), "temporary files are not named");
                assertTrue(number(j, "/diff/capture/" + i + "/bytes") > 1 << 20);
                assertTrue(j.containsKey("/diff/capture/" + i + "/millis"));
            }
            assertFalse(j.containsKey("/diff/capture/2/label"));
            assertEquals(load(sample, 200), j.get("/diff/between/0/command"));
            assertEquals("0", j.get("/diff/between/0/exitStatus"));
            assertEquals("0", j.get("/diff/between/0/intervalMillis"), "--between alone waits for nothing more");
            assertTrue(r.err().contains("\"handlers\":220"), "the load command's output is on stderr: " + r.err());
            assertTrue(r.err().contains("leakhunt diff: assertion failed: growth-bytes > 1MiB"), r.err());
            assertTemporaryRemoved(r, sample.pid());
            assertNoInspectorLeft(sample);
        }
    }

    @Test
    void theJsHeapFixedModePassesTheSameCheck() throws IOException {
        try (NodeSample sample = NodeSample.start(JS_HEAP, "fixed", 20, "--inspect-port=0")) {
            Cli r = Cli.run("diff", "--pid", Long.toString(sample.pid()), "--between", load(sample, 200), "--json",
                    "--fail-if", "growth-bytes > 1MiB");
            assertEquals(0, r.exit(), r.toString());
            Map<String, String> j = Streams.pointers(r.out());
            assertEquals("ids", j.get("/diff/mode"));
            Ids.assertMatch(number(j, "/diff/identity/checkedIds"), number(j, "/diff/identity/agreeingIds"));
            assertTrue(number(j, "/metrics/growth-bytes") < 1 << 20, "growth " + j.get("/metrics/growth-bytes"));
            assertFalse(j.containsKey("/diff/suspects/0/kind"), "no suspect: " + r.out());
            assertEquals("null", j.get("/diff/verdict"));
            assertNoInspectorLeft(sample);
        }
    }

    @Test
    void theSqlJsLeakShowsTheNewCopiesOfTheDatabaseHeldByTheNameTable() throws IOException {
        assumeTrue(Files.isDirectory(NodeSample.samplesDir().resolve(SQL + "/node_modules/sql.js")),
                "run npm ci in samples/sqljs-memfs-leak");
        try (NodeSample sample = NodeSample.start(SQL, "leak", 2, "--inspect-port=0")) {
            long dbBytes = sample.number("dbBytes");
            Cli r = Cli.run("diff", "--pid", Long.toString(sample.pid()), "--between", load(sample, 3), "--gc",
                    "--fail-if", "growth-bytes > 1MiB");
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.out().startsWith("Diff of two snapshots of one process, matched by node id\n  taken of pid "
                    + sample.pid() + " in one inspector session; between them: '"), r.out());
            assertTrue(Pattern.compile("(?m)^  \\d[\\d,]* heap-object ids in both A and B; of [\\d,]+ sampled, 100% "
                    + "name the same objects in both$").matcher(r.out()).find(), r.out());
            assertTrue(Pattern.compile("(?m)^#1  \\+3 × system / JSArrayBufferData @ " + Pattern.quote(
                    dev.leakhunt.analysis.Units.bytes(dbBytes) + " = " + dev.leakhunt.analysis.Units.bytes(3 * dbBytes))
                    + " · ").matcher(r.out()).find(), "the 3 new copies, first: " + r.out());
            assertTrue(r.out().contains("Verdict: 3 new buffers of exactly " + dev.leakhunt.analysis.Units.bytes(dbBytes)),
                    r.out());
            assertTrue(Pattern.compile("they are held by Array @\\d+").matcher(r.out()).find(), "the name table: "
                    + r.out());
            assertTemporaryRemoved(r, sample.pid());
            assertNoInspectorLeft(sample);
        }
    }

    @Test
    void theSqlJsFixedModePasses() throws IOException {
        assumeTrue(Files.isDirectory(NodeSample.samplesDir().resolve(SQL + "/node_modules/sql.js")),
                "run npm ci in samples/sqljs-memfs-leak");
        try (NodeSample sample = NodeSample.start(SQL, "fixed", 2, "--inspect-port=0")) {
            Cli r = Cli.run("diff", "--pid", Long.toString(sample.pid()), "--between", load(sample, 3), "--json",
                    "--fail-if", "growth-bytes > 1MiB");
            assertEquals(0, r.exit(), r.toString());
            Map<String, String> j = Streams.pointers(r.out());
            assertEquals("ids", j.get("/diff/mode"));
            assertTrue(number(j, "/metrics/new-native-bytes") < sample.number("dbBytes"), r.out());
            assertNoInspectorLeft(sample);
        }
    }

    @Test
    void threeSnapshotsOfALeakOnATimerAreKeptWithDashO() throws IOException {
        Path kept = dir.resolve("kept");
        // a service that leaks by itself: one request's worth every 10 ms
        try (NodeSample sample = startWithEvery(JS_HEAP, 10)) {
            Cli r = Cli.run("diff", "--pid", Long.toString(sample.pid()), "--snapshots", "3", "--interval", "1s",
                    "-o", kept.toString(), "--json");
            assertEquals(0, r.exit(), r.toString());
            Map<String, String> j = Streams.pointers(r.out());
            assertEquals("survivors", j.get("/diff/mode"));
            Ids.assertMatch(number(j, "/diff/identity/checkedIds"), number(j, "/diff/identity/agreeingIds"));
            assertTrue(number(j, "/metrics/new-objects") > 64, "requests between A and B survive in C: " + r.out());
            assertEquals("Map", j.get("/diff/suspects/0/holder/name"), "C's handlers, in the Map");
            assertEquals("Map", j.get("/diff/objectGroups/0/group/holder/name"), firstGroup(j));
            List<Path> files;
            try (var list = Files.list(kept)) {
                files = list.sorted().toList();
            }
            assertEquals(3, files.size(), files.toString());
            for (int i = 0; i < 3; i++) {
                Path file = Path.of(j.get("/diff/capture/" + i + "/file"));
                assertTrue(file.getFileName().toString().endsWith("-" + "ABC".charAt(i) + ".heapsnapshot"), file.toString());
                assertEquals(Files.size(file), number(j, "/diff/capture/" + i + "/bytes"));
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
                assertEquals("1000", j.get("/diff/between/" + Math.min(i, 1) + "/intervalMillis"));
            }
            assertEquals("null", j.get("/diff/between/0/command"));
            assertNoInspectorLeft(sample);
        }
    }

    /** The sample with {@code --every MS}: it leaks on a timer, no load needed. */
    private static NodeSample startWithEvery(String name, int everyMillis) throws IOException {
        return NodeSample.startWith(name, List.of("--inspect-port=0"), "--mode", "leak", "--every",
                Integer.toString(everyMillis));
    }

    @Test
    void ctrlCClosesTheInspectorStopsTheCommandAndRemovesTheSnapshots() throws Exception {
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 10, "--inspect-port=0")) {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    LeakHunt.class.getName(), "diff", "--pid", Long.toString(sample.pid()), "--between",
                    "echo \"snapshot-was $LEAKHUNT_SNAPSHOT pid $$\"; exec sleep 60").start();
            try {
                BlockingQueue<String> err = Streams.lines(jvm.getErrorStream());
                Matcher m = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (m == null && System.nanoTime() < deadline) {
                    String line = err.poll(1, TimeUnit.SECONDS);
                    if (line != null && SNAPSHOT_PATH.matcher(line).matches()) {
                        m = SNAPSHOT_PATH.matcher(line);
                        assertTrue(m.matches());
                    }
                }
                assertNotNull(m, "the command started after snapshot A: " + err);
                Path file = Path.of(m.group(1));
                long sleeper = Long.parseLong(m.group(2));
                assertTrue(Files.exists(file));
                new ProcessBuilder("kill", "-INT", Long.toString(jvm.pid())).start().waitFor();
                assertTrue(jvm.waitFor(30, TimeUnit.SECONDS), "diff exited on SIGINT");
                assertEquals(130, jvm.exitValue());
                assertFalse(Files.exists(file.getParent()), "the temporary snapshots are removed");
                poll(() -> !Files.exists(Path.of("/proc/" + sleeper)), "the --between command is stopped");
                assertNoInspectorLeft(sample);
            } finally {
                jvm.destroyForcibly();
            }
        }
    }

    private static void poll(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(50);
        }
    }


    @Test
    void argumentsThatDoNotGoTogetherAreUsageErrors() {
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(List.of("diff"), "leakhunt diff: give two or three snapshot files, or --pid PID\n");
        cases.put(List.of("diff", "a.heapsnapshot"),
                "leakhunt diff: give a second snapshot file to compare 'a.heapsnapshot' with, or --pid PID\n");
        cases.put(List.of("diff", "a", "b", "--pid", "1"), "leakhunt diff: give snapshot files or --pid, not both\n");
        cases.put(List.of("diff", "a", "b", "--interval", "5s", "--gc"),
                "leakhunt diff: --interval, --gc go with --pid (files were given)\n");
        cases.put(List.of("diff", "--pid", "1", "--snapshots", "4"), "leakhunt diff: --snapshots must be 2 or 3, not 4\n");
        cases.put(List.of("diff", "--pid", "1", "--between", " "), "leakhunt diff: --between needs a command\n");
        for (Map.Entry<List<String>, String> c : cases.entrySet()) {
            Cli r = Cli.run(c.getKey().toArray(String[]::new));
            assertEquals(2, r.exit(), c.getKey() + ": " + r);
            assertEquals(c.getValue(), r.err(), c.getKey().toString());
            assertEquals("", r.out());
        }
    }

    @Test
    void aTargetThatIsGoneOrNotNodeExitsThreeWithOneLineAndIsNotSignalled() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
        Cli missing = Cli.run("diff", "--pid", Long.toString(gone.pid()));
        assertEquals(3, missing.exit(), missing.toString());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().startsWith("leakhunt diff: ") && missing.err().contains(Long.toString(gone.pid())),
                missing.err());

        try (dev.leakhunt.testing.SignalWitness sleep = dev.leakhunt.testing.SignalWitness.start()) {
            Cli notNode = Cli.run("diff", "--pid", Long.toString(sleep.pid()), "--interval", "1s");
            assertEquals(3, notNode.exit(), notNode.toString());
            assertEquals(1, notNode.err().lines().count(), notNode.err());
            assertTrue(notNode.err().contains("not") && notNode.err().contains("Node"), notNode.err());
            // a SIGUSR1 sent would be pending: the witness blocks it
            assertTrue(sleep.untouched(), "sleep was not signalled");
        }
    }
}
