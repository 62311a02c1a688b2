package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.Ids;
import dev.leakhunt.testing.NodeSample;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node.js in namespaces of its own, as in a container: its own pid namespace (it is pid 1 there), network namespace
 * (its inspector listens on a loopback the host cannot reach) and mount namespace with a private /tmp. leakhunt is
 * given the host's pid; it must capture the right process, close what it opened, and write nothing in the target's
 * file system. Needs root and unshare (the tests run as root here).
 */
class NamespacesTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void rootAndUnshare() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        assumeTrue("root".equals(System.getProperty("user.name")), "namespaces need root");
        Process p = new ProcessBuilder("unshare", "--pid", "--net", "--mount", "--fork", "true")
                .redirectErrorStream(true).start();
        assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "unshare cannot make namespaces here");
        assumeTrue(Files.isDirectory(Path.of("/mnt")), "/mnt, where the contained samples are mounted");
    }

    /** A js-heap-leak sample in new namespaces; the host pid of its node is found below unshare. */
    static final class Contained implements AutoCloseable {
        final Process unshare;
        final long pid;
        final String ready;

        Contained(List<String> namespaces, int ops) throws Exception {
            List<String> command = new ArrayList<>(List.of("unshare", "--fork", "--kill-child"));
            command.addAll(namespaces);
            // the samples are reached through a bind mount on a private /mnt, since the checkout itself may lie
            // under the /tmp that the private tmpfs covers
            String setup = (namespaces.contains("--net") ? "ip link set lo up && " : "")
                    + "mount -t tmpfs tmpfs /mnt && mkdir /mnt/samples && mount --bind " + NodeSample.samplesDir()
                    + " /mnt/samples && mount -t tmpfs tmpfs /tmp && exec node /mnt/samples/js-heap-leak/server.js"
                    + " --mode leak --ops " + ops;
            command.addAll(List.of("sh", "-c", setup));
            unshare = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(unshare.getInputStream(),
                    StandardCharsets.UTF_8));
            ready = out.readLine();
            assertNotNull(ready, "the contained sample printed no ready line");
            pid = node(unshare.toHandle()).orElseThrow().pid();
        }

        private static Optional<ProcessHandle> node(ProcessHandle h) {
            if (h.info().command().map(c -> c.endsWith("/node")).orElse(false)) {
                return Optional.of(h);
            }
            return h.children().map(Contained::node).flatMap(Optional::stream).findFirst();
        }

        /** What the target's own /tmp holds, seen through /proc/<pid>/root. */
        List<String> tmp() throws IOException {
            try (Stream<Path> files = Files.list(Path.of("/proc/" + pid + "/root/tmp"))) {
                return files.map(f -> f.getFileName().toString()).toList();
            }
        }

        boolean isAlive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }

        @Override
        public void close() throws InterruptedException {
            unshare.destroyForcibly();
            unshare.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aNodeInItsOwnPidNetworkAndMountNamespacesIsCapturedByItsHostPid() throws Exception {
        ServerSocket decoy = null;
        try (Contained target = new Contained(List.of("--pid", "--net", "--mount"), 30)) {
            assertTrue(target.ready.contains("\"pid\":1,"), "pid 1 in its namespace: " + target.ready);
            try {
                // the port its inspector opens on, taken on the host's loopback by someone else
                decoy = new ServerSocket(9229, 1, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                // taken already: as good
            }
            Path out = dir.resolve("contained.heapsnapshot");
            Cli r = Cli.run("snapshot", Long.toString(target.pid), "-o", out.toString(), "--top", "1");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.err().startsWith("leakhunt snapshot: pid " + target.pid + " runs in its own pid namespace "
                    + "(pid 1 there), network namespace and mount namespace; continuing inside its network namespace "
                    + "(nsenter --net=/proc/" + target.pid + "/ns/net)\n"), r.err());
            assertTrue(r.err().contains("the snapshot streams over the inspector, so nothing is written in its file "
                    + "system"), r.err());
            assertTrue(r.out().startsWith("Process pid " + target.pid + " (node) · Node.js "), r.out());
            assertTrue(Pattern.compile("(?m)^  1  js +30 × onRequestDone\\(\\) .* Map @\\d+$").matcher(r.out()).find(),
                    "the contained process's own 30 handlers: " + r.out());
            assertTrue(Files.size(out) > 1 << 20);
            // its inspector is closed again (only its HTTP port listens in its namespace), it runs on, and its own
            // /tmp holds nothing of ours
            String ready = target.ready;
            int port = Integer.parseInt(ready.replaceAll(".*\"port\":(\\d+).*", "$1"));
            assertEquals(Set.of(port), SnapshotCommandTest.listeningPorts(target.pid));
            assertTrue(target.isAlive());
            assertEquals(List.of(), target.tmp());
        } finally {
            if (decoy != null) {
                decoy.close();
            }
        }
    }

    @Test
    void aPidAndMountNamespaceAloneIsVerifiedByNsPidAndStreamed() throws Exception {
        try (Contained target = new Contained(List.of("--pid", "--mount"), 12)) {
            Path out = dir.resolve("pid-ns.heapsnapshot");
            Cli r = Cli.run("snapshot", Long.toString(target.pid), "-o", out.toString(), "--json", "--no-analyze");
            assertEquals(0, r.exit(), r.toString());
            assertFalse(r.err().contains("network namespace"), r.err());
            assertTrue(r.err().contains("pid " + target.pid + " runs in its own pid namespace (pid 1 there) and mount "
                    + "namespace: the snapshot streams"), r.err());
            assertTrue(r.out().contains("\"pid\" : " + target.pid + ","), "the host's pid in JSON: " + r.out());
            assertTrue(r.out().contains("\"direct\" : false"), "streamed: " + r.out());
            assertTrue(Files.size(out) > 1 << 20);
            int port = Integer.parseInt(target.ready.replaceAll(".*\"port\":(\\d+).*", "$1"));
            assertEquals(Set.of(port), SnapshotCommandTest.listeningPorts(target.pid));
            assertEquals(List.of(), target.tmp());

            Cli direct = Cli.run("snapshot", Long.toString(target.pid), "-o", dir.resolve("d.heapsnapshot").toString(),
                    "--direct", "--no-analyze");
            assertEquals(3, direct.exit(), direct.toString());
            assertTrue(direct.err().contains("its file system is not this one"), direct.err());
            assertEquals(List.of(), target.tmp());
            assertFalse(Files.exists(dir.resolve("d.heapsnapshot")));
        }
    }

    @Test
    void diffByPidInAContainerMatchesIdsAcrossItsSnapshots() throws Exception {
        try (Contained target = new Contained(List.of("--pid", "--net", "--mount"), 10)) {
            // the sample cannot be reached from here: the load runs inside its network namespace
            int port = Integer.parseInt(target.ready.replaceAll(".*\"port\":(\\d+).*", "$1"));
            String load = "node " + NodeSample.samplesDir().resolve("lib/get.js") + " http://127.0.0.1:" + port
                    + "/op?n=100";
            Cli r = Cli.run("diff", "--pid", Long.toString(target.pid), "--between", load, "--json");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.err().contains("\"handlers\":110"), "the load ran in the target's namespace: " + r.err());
            assertTrue(r.out().contains("\"mode\" : \"ids\""), r.out());
            String checked = r.out().replaceAll("(?s).*\"checkedIds\" : (\\d+).*", "$1");
            String agreeing = r.out().replaceAll("(?s).*\"agreeingIds\" : (\\d+).*", "$1");
            Ids.assertMatch(Long.parseLong(checked), Long.parseLong(agreeing));
            assertEquals(Set.of(port), SnapshotCommandTest.listeningPorts(target.pid));
        }
    }
}
