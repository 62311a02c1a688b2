package dev.leakhunt.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.NodeSample;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/leak-check on services it was not written for, and scripts/ci-leak-check.sh, its worked example on the
 * sql.js sample: the leak fails the check with the group and its holder, the fixed mode passes, port 9229 need not
 * be free, and the service is stopped afterwards.
 */
class LeakCheckScriptTest {
    private static final Pattern NODE_PID = Pattern.compile("(?m)^   Node\\.js pid (\\d+): ");

    @TempDir
    Path dir;

    @BeforeAll
    static void nodeIsThere() {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
    }

    private static String leakhuntCommand() {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return "java -cp " + String.join(File.pathSeparator, classpath.split(File.pathSeparator))
                + " dev.leakhunt.cli.LeakHunt";
    }

    record Run(int exit, String out, String err) {
        long nodePid() {
            Matcher m = NODE_PID.matcher(err);
            assertTrue(m.find(), err);
            return Long.parseLong(m.group(1));
        }
    }

    /** Runs the script with port 9229 taken (when it is free), so that the check cannot depend on it. */
    private Run run(String... command) throws IOException, InterruptedException {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ServerSocket port9229 = null;
        try {
            port9229 = new ServerSocket(9229, 1, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            // taken already: as good
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("LEAKHUNT", leakhuntCommand());
            Process p = pb.start();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the check finishes");
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            if (port9229 != null) {
                port9229.close();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void assertGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (Files.exists(Path.of("/proc/" + pid))) {
            assertTrue(System.nanoTime() < deadline, "the service (pid " + pid + ") is stopped");
            Thread.sleep(50);
        }
    }

    private static String get(int port, String path) {
        return "node " + NodeSample.samplesDir().resolve("lib/get.js") + " http://127.0.0.1:" + port + path;
    }

    /**
     * The js-heap sample behind a Node.js parent that only spawns it (the story's proxy and child): the check finds
     * the child, and the report names the Map the requests' closures stay in.
     */
    private List<String> proxiedJsHeapService(String mode, int port) {
        String server = NodeSample.samplesDir().resolve("js-heap-leak/server.js").toString();
        String proxy = "require('child_process').spawn(process.execPath, [process.argv[1], '--mode', process.argv[2], "
                + "'--port', process.argv[3]], {stdio: 'inherit'}).on('exit', (c) => process.exit(c))";
        return List.of("scripts/leak-check", "--start", "node -e \"" + proxy + "\" " + server + " " + mode + " " + port,
                "--ready", get(port, "/memory"), "--warmup", get(port, "/op?n=20"), "--load", get(port, "/op?n=200"));
    }

    @Test
    void aServiceItWasNotWrittenForFailsWithTheMapThatHoldsTheLeak() throws Exception {
        int port = freePort();
        Run r = run(proxiedJsHeapService("leak", port).toArray(String[]::new));
        assertEquals(1, r.exit(), r.err() + r.out());
        assertTrue(r.err().contains("leakhunt diff: assertion failed: growth-bytes > 1MiB"), r.err());
        assertTrue(r.err().contains("== leak check FAILED: growth-bytes > 1MiB"), r.err());
        assertTrue(r.out().contains("100% name the same objects in both"), r.out());
        assertTrue(Pattern.compile("(?m)^Verdict: .* are all held by Map @\\d+ \\(handlers of ").matcher(r.out()).find(),
                r.out());
        assertTrue(Pattern.compile("(?m)^  1  js +220 × onRequestDone\\(\\) .* Map @\\d+$").matcher(r.out()).find(),
                "the 20 + 200 handlers: " + r.out());
        long pid = r.nodePid();
        String cmdline = r.err().substring(r.err().indexOf("   Node.js pid " + pid));
        assertTrue(cmdline.matches("(?s)   Node\\.js pid " + pid + ": \\S*node " + Pattern.quote(NodeSample.samplesDir()
                .resolve("js-heap-leak/server.js") + " --mode leak") + ".*"), "the child, not its parent: " + cmdline);
        assertGone(pid);
    }

    @Test
    void theFixedServicePasses() throws Exception {
        int port = freePort();
        List<String> command = new ArrayList<>(proxiedJsHeapService("fixed", port));
        Run r = run(command.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.err().contains("== leak check passed: not growth-bytes > 1MiB"), r.err());
        assertGone(r.nodePid());
    }

    @Test
    void theSqlJsExampleFailsInLeakModeAndPassesFixed() throws Exception {
        assumeTrue(Files.isDirectory(NodeSample.samplesDir().resolve("sqljs-memfs-leak/node_modules/sql.js")),
                "run npm ci in samples/sqljs-memfs-leak");
        Run leak = run("scripts/ci-leak-check.sh", "--ops", "3", "--db-mb", "1", "--warmup", "2");
        assertEquals(1, leak.exit(), leak.err() + leak.out());
        assertTrue(leak.out().contains("Verdict: 3 new buffers of exactly 1.0 MiB hold 3.0 MiB"), leak.out());
        assertTrue(Pattern.compile("they are held by Array @\\d+").matcher(leak.out()).find(), leak.out());
        assertGone(leak.nodePid());

        Run fixed = run("scripts/ci-leak-check.sh", "--mode", "fixed", "--ops", "3", "--db-mb", "1");
        assertEquals(0, fixed.exit(), fixed.err() + fixed.out());
        assertFalse(fixed.out().contains("Verdict: 3 new buffers"), fixed.out());
        assertGone(fixed.nodePid());
    }

    @Test
    void aServiceThatDiesBeforeItIsReadyExitsThree() throws Exception {
        Run r = run("scripts/leak-check", "--start", "node -e \"console.error('boom'); process.exit(4)\"",
                "--ready", "false", "--load", "true");
        assertEquals(3, r.exit(), r.err());
        assertTrue(r.err().contains("leak-check: the service exited before it was ready; its stderr:\nboom\n"), r.err());

        Run usage = run("scripts/leak-check", "--load", "true");
        assertEquals(2, usage.exit(), usage.err());
        assertTrue(usage.err().startsWith("leak-check: --start is needed"), usage.err());
    }
}
