package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.NodeSample;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What leakhunt refuses before it signals, and what it serializes, on real processes: a stopped or frozen target,
 * a program that only calls itself node, a target that would open its inspector on all interfaces, an inspector
 * that opens after --timeout, and captures of one pid at once.
 */
class TargetGuardsTest {
    private static final String JS_HEAP = "js-heap-leak";
    private static final int SIGUSR1 = 10;

    @TempDir
    Path dir;

    @BeforeAll
    static void nodeIsThere() {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
    }

    /** Whether SIGUSR1 is pending for {@code pid} (a stopped process keeps it until resumed). */
    private static boolean sigusr1Pending(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("SigPnd:") || line.startsWith("ShdPnd:")) {
                if (new BigInteger(line.substring(7).trim(), 16).testBit(SIGUSR1 - 1)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void signal(String signal, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor());
    }

    private static void awaitState(long pid, String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            String state = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("State:")).findFirst().orElse("");
            if (state.substring(6).trim().startsWith(prefix)) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "pid " + pid + " reaches state " + prefix + ": " + state);
            Thread.sleep(20);
        }
    }

    @Test
    void aStoppedTargetIsRefusedAndNotSignalled() throws Exception {
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 1, "--inspect-port=0")) {
            signal("STOP", sample.pid());
            awaitState(sample.pid(), "T");
            try {
                Cli r = Cli.run("snapshot", Long.toString(sample.pid()), "-o", dir.toString());
                assertEquals(3, r.exit(), r.toString());
                assertEquals("leakhunt snapshot: pid " + sample.pid() + " is stopped (State: T (stopped)), so it "
                        + "would open its inspector, and answer, only once resumed: resume it first (kill -CONT "
                        + sample.pid() + ")\n", r.err());
                assertFalse(sigusr1Pending(sample.pid()), "no SIGUSR1 waits for it to resume");
            } finally {
                signal("CONT", sample.pid());
            }
            assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()));
            try (var files = Files.list(dir)) {
                assertEquals(0, files.count());
            }
        }
    }

    @Test
    void aFrozenCgroupIsRefused() throws Exception {
        Path v1 = Path.of("/sys/fs/cgroup/freezer");
        assumeTrue(Files.isWritable(v1) && Files.isRegularFile(v1.resolve("tasks")), "a writable v1 freezer");
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 1, "--inspect-port=0")) {
            Path group = Files.createDirectories(v1.resolve("leakhunt-test-" + ProcessHandle.current().pid()));
            try {
                Files.writeString(group.resolve("tasks"), Long.toString(sample.pid()));
                Files.writeString(group.resolve("freezer.state"), "FROZEN");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!Files.readString(group.resolve("freezer.state")).trim().equals("FROZEN")) {
                    assertTrue(System.nanoTime() < deadline, "the cgroup freezes");
                    Thread.sleep(20);
                }
                Cli r = Cli.run("snapshot", Long.toString(sample.pid()), "--timeout", "2s");
                assertEquals(3, r.exit(), r.toString());
                assertEquals("leakhunt snapshot: pid " + sample.pid() + " is frozen by its cgroup, so it would open "
                        + "its inspector, and answer, only once thawed: thaw it first\n", r.err());
                assertFalse(sigusr1Pending(sample.pid()));
            } finally {
                Files.writeString(group.resolve("freezer.state"), "THAWED");
                Files.writeString(v1.resolve("tasks"), Long.toString(sample.pid()));
                Files.delete(group);
            }
            assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()));
        }
    }

    @Test
    void aProgramThatOnlyCallsItselfNodeIsNotSignalled() throws Exception {
        // sleep's default action for SIGUSR1 is to terminate
        Process impostor = new ProcessBuilder("bash", "-c", "exec -a node sleep 60").start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.readString(Path.of("/proc/" + impostor.pid() + "/cmdline")).startsWith("node\0")) {
                assertTrue(System.nanoTime() < deadline, "exec -a node");
                Thread.sleep(20);
            }
            String exe = Files.readSymbolicLink(Path.of("/proc/" + impostor.pid() + "/exe")).toString();
            Cli r = Cli.run("snapshot", Long.toString(impostor.pid()));
            assertEquals(3, r.exit(), r.toString());
            assertEquals("leakhunt snapshot: pid " + impostor.pid() + " is not a Node.js process ('" + exe
                    + "', though its command line says 'node')\n", r.err());
            // had SIGUSR1 been sent, it would be gone within this second
            assertFalse(impostor.waitFor(1, TimeUnit.SECONDS), "it was not signalled");
        } finally {
            impostor.destroyForcibly();
        }
    }

    @Test
    void anInspectorOnAllInterfacesIsOpenedOnlyWhenAllowedAndSaidWhenFound() throws Exception {
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 1, "--inspect-port=0.0.0.0:0")) {
            Cli refused = Cli.run("snapshot", Long.toString(sample.pid()), "-o", dir.toString());
            assertEquals(3, refused.exit(), refused.toString());
            assertEquals("leakhunt snapshot: pid " + sample.pid() + " was started to open its inspector on "
                    + "0.0.0.0:(any free port), not a loopback address: SIGUSR1 would let anyone who reaches it run "
                    + "code in the process while it is open; pass --allow-public-inspector to accept that, or start "
                    + "it with --inspect-port=127.0.0.1:0\n", refused.err());
            assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()));

            Cli allowed = Cli.run("snapshot", Long.toString(sample.pid()), "-o", dir.resolve("a.heapsnapshot")
                    .toString(), "--no-analyze", "--allow-public-inspector");
            assertEquals(0, allowed.exit(), allowed.toString());
            assertTrue(Pattern.compile("(?m)^leakhunt snapshot: warning: the inspector of pid " + sample.pid()
                    + " listens on 0\\.0\\.0\\.0:\\d+, not only on loopback: anyone who reaches that address can run "
                    + "code in the process while it is open \\(--allow-public-inspector\\)$")
                    .matcher(allowed.err()).find(), allowed.err());
            assertTrue(allowed.err().contains("closed the inspector of pid " + sample.pid()), allowed.err());
            assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()));
        }
        try (NodeSample open = NodeSample.start(JS_HEAP, "leak", 1, "--inspect=0.0.0.0:0")) {
            Cli r = Cli.run("snapshot", Long.toString(open.pid()), "-o", dir.resolve("b.heapsnapshot").toString(),
                    "--no-analyze");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.err().contains("warning: the inspector of pid " + open.pid() + " listens on 0.0.0.0:"), r.err());
            assertFalse(r.err().contains("--allow-public-inspector"), "it was open already: " + r.err());
        }
    }

    @Test
    void anInspectorThatOpensAfterTheTimeoutIsClosedAgain() throws Exception {
        // the main thread blocked in synchronous children, one after another: SIGUSR1's inspector starts from the
        // main thread (a plain JS loop would not do: V8 interrupts it for that), so it opens only between two
        Path script = Files.writeString(dir.resolve("busy.js"), "console.log('ready');\n"
                + "for (;;) require('child_process').execSync('sleep 1.5');\n");
        Process busy = new ProcessBuilder("node", "--inspect-port=0", script.toString()).start();
        try {
            assertEquals("ready", new String(busy.getInputStream().readNBytes(5)));
            Cli r = Cli.run("snapshot", Long.toString(busy.pid()), "--timeout", "100ms", "-o", dir.toString());
            assertEquals(3, r.exit(), r.toString());
            assertTrue(r.err().contains("opened its inspector only after the 100 ms of --timeout; closing it again: "
                    + "give a longer --timeout"), r.err());
            assertTrue(r.err().contains("closed the inspector of pid " + busy.pid()), r.err());
            assertEquals(Set.of(), SnapshotCommandTest.listeningPorts(busy.pid()));
        } finally {
            busy.destroyForcibly();
        }
    }

    @Test
    void capturesOfOnePidAtOnceTakeTurns() throws Exception {
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 20, "--inspect-port=0")) {
            List<CompletableFuture<Cli>> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path out = dir.resolve("at-once-" + i + ".heapsnapshot");
                runs.add(CompletableFuture.supplyAsync(() -> Cli.run("snapshot", Long.toString(sample.pid()), "-o",
                        out.toString(), "--no-analyze", "--timeout", "60s")));
            }
            for (int i = 0; i < 3; i++) {
                Cli r = runs.get(i).get(120, TimeUnit.SECONDS);
                assertEquals(0, r.exit(), r.toString());
                Path out = dir.resolve("at-once-" + i + ".heapsnapshot");
                assertTrue(Files.size(out) > 1 << 20, out.toString());
                assertFalse(Files.exists(Path.of(out + ".part")));
            }
            assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()));
        }
    }

    @Test
    void aSnapshotThatMayNotFitTheCgroupIsRefusedWithTheFigures() throws Exception {
        Path v1 = Path.of("/sys/fs/cgroup/memory");
        assumeTrue(Files.isWritable(v1) && Files.isRegularFile(v1.resolve("tasks")), "a writable v1 memory cgroup");
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 3000, "--inspect-port=0")) {
            String home = Files.readAllLines(Path.of("/proc/" + sample.pid() + "/cgroup")).stream()
                    .filter(l -> l.matches("\\d+:([^:]*,)?memory(,[^:]*)?:.*")).findFirst().orElseThrow()
                    .replaceFirst("^[^:]*:[^:]*:/?", "");
            Path group = Files.createDirectories(v1.resolve("leakhunt-test-" + ProcessHandle.current().pid()));
            try {
                Files.writeString(group.resolve("tasks"), Long.toString(sample.pid()));
                long usage = Long.parseLong(Files.readString(group.resolve("memory.usage_in_bytes")).trim());
                long limit = usage + (8L << 20); // far less than the sample's 3,000 requests' JS heap
                Files.writeString(group.resolve("memory.limit_in_bytes"), Long.toString(limit));
                Cli r = Cli.run("snapshot", Long.toString(sample.pid()), "-o", dir.toString());
                assertEquals(3, r.exit(), r.toString());
                assertTrue(Pattern.compile("(?m)^leakhunt snapshot: a heap snapshot of pid " + sample.pid() + " may need "
                        + "about \\d+\\.\\d MiB more memory \\(as much as its JS heap in use\\), and its cgroup has "
                        + "[\\d.]+ [KM]iB left \\(limit [\\d.]+ MiB, in use [\\d.]+ [KM]?i?B\\): the capture could get it "
                        + "OOM-killed; --force takes it anyway$").matcher(r.err()).find(), r.err());
                assertTrue(sample.isAlive());
                assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()), "closed again");
                try (var files = Files.list(dir)) {
                    assertEquals(0, files.count());
                }
            } finally {
                Files.writeString(v1.resolve(home).resolve("tasks"), Long.toString(sample.pid()));
                Files.delete(group);
            }
        }
    }

    /** The descriptors of {@code pid} open on files under {@code dir}, deleted ones too. */
    private static List<String> openUnder(long pid, Path dir) throws IOException {
        List<String> open = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith(dir.toString())) {
                        open.add(link);
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return open;
    }

    @Test
    void aFullDiskLeavesNoFileAndNoDescriptorInTheTarget() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString())
                .redirectErrorStream(true).start();
        assumeTrue(mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0, "a 2 MiB tmpfs (needs root)");
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 200, "--inspect-port=0")) {
            for (String mode : List.of("--direct", "--stream")) {
                Cli r = Cli.run("snapshot", Long.toString(sample.pid()), "-o", small.toString(), "--no-analyze", mode);
                assertEquals(3, r.exit(), r.toString());
                String last = r.err().lines().reduce((a, b) -> b).orElse("");
                assertTrue(last.contains("no space left on device") || last.contains("ENOSPC"), r.err());
                assertFalse(r.err().contains("keeps '"), "the target let go of its file: " + r.err());
                assertEquals(List.of(), openUnder(sample.pid(), small), mode + ": the target holds no file there");
                try (var files = Files.list(small)) {
                    assertEquals(0, files.count(), mode);
                }
                var store = Files.getFileStore(small);
                assertEquals(store.getTotalSpace(), store.getUsableSpace(), mode + ": the 2 MiB are free again");
                assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()));
            }
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void ctrlCMidCaptureClosesTheInspectorOnceTheTargetIsDoneAndLeavesNothing() throws Exception {
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 3000, "--inspect-port=0")) {
            for (String mode : List.of("--direct", "--stream")) {
                Path out = dir.resolve("interrupted" + mode + ".heapsnapshot");
                Path part = Path.of(out + ".part");
                String java = ProcessHandle.current().info().command().orElse("java");
                Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                        LeakHunt.class.getName(), "snapshot", Long.toString(sample.pid()), "-o", out.toString(),
                        "--no-analyze", mode).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
                    try {
                        return new String(jvm.getErrorStream().readAllBytes());
                    } catch (IOException e) {
                        return e.toString();
                    }
                });
                try {
                    // mid-capture: once the snapshot's file has begun (the target builds it first, then writes)
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (!(Files.exists(part) && Files.size(part) > 0)) {
                        assertTrue(System.nanoTime() < deadline && jvm.isAlive(), mode + ": the capture writes");
                        Thread.sleep(10);
                    }
                    signal("INT", jvm.pid());
                    assertTrue(jvm.waitFor(120, TimeUnit.SECONDS), mode + ": leakhunt exits");
                    assertEquals(130, jvm.exitValue(), err.get());
                    String text = err.get(10, TimeUnit.SECONDS);
                    assertTrue(text.contains("leakhunt snapshot: interrupted while pid " + sample.pid() + " builds or "
                            + "writes a heap snapshot, which V8 cannot stop: closing its inspector when it is done"),
                            text);
                    assertTrue(text.contains("closed the inspector of pid " + sample.pid()), text);
                    assertFalse(Files.exists(out) || Files.exists(part), mode + ": no file left");
                    assertEquals(List.of(), openUnder(sample.pid(), dir), mode + ": no descriptor left");
                    assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()), text);
                } finally {
                    jvm.destroyForcibly();
                }
            }
        }
    }
}
