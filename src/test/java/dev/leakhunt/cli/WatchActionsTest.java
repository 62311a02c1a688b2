package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.JsonTree;
import dev.leakhunt.testing.NodeSample;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code watch --when … --then exec|signal [--repeat]}: the watchdog of the story. A command runs once per firing
 * with LEAKHUNT_PID, LEAKHUNT_METRIC and LEAKHUNT_VALUE; a signal reaches the target; --repeat re-arms a condition
 * once a sample no longer meets it; a target that is not Node.js is never signalled.
 */
class WatchActionsTest {
    @TempDir
    Path dir;

    private static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    @Test
    void execRunsOnceWithTheMetricAndValueInItsEnvironment() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        try (NodeSample js = NodeSample.startWith("js-heap-leak", List.of(), "--mode", "fixed", "--ops", "0")) {
            long threshold = rssBytes(js.pid()) / 2; // met by every sample: it must run once all the same
            Path log = dir.resolve("fired.log");
            Cli r = Cli.run("watch", Long.toString(js.pid()), "--no-inspector", "--interval", "100ms", "--duration",
                    "1500ms", "--when", "rss-bytes > " + threshold, "--then", "exec",
                    "echo \"$LEAKHUNT_PID $LEAKHUNT_METRIC $LEAKHUNT_VALUE\" >> '" + log + "'; echo said; exit 7",
                    "--json");
            assertEquals(0, r.exit(), r.toString());
            List<String> lines = Files.readAllLines(log);
            assertEquals(1, lines.size(), lines.toString());
            String[] f = lines.get(0).split(" ");
            assertEquals(Long.toString(js.pid()), f[0]);
            assertEquals("rss-bytes", f[1]);
            assertTrue(Long.parseLong(f[2]) > threshold, lines.get(0));
            assertTrue(r.err().contains("  | said"), "the command's output goes to stderr: " + r.err());
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) JsonTree.parse(r.out());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> actions = (List<Map<String, Object>>) json.get("actions");
            assertEquals(1, actions.size(), actions.toString());
            assertEquals("exec", actions.get(0).get("action"));
            assertEquals(7L, ((Number) actions.get(0).get("exitCode")).longValue(), "its exit status is reported");
            assertEquals("rss-bytes > " + threshold, actions.get(0).get("trigger"));
            assertTrue(js.isAlive());
        }
    }

    @Test
    void theWatchdogRestartsWhatLeaks() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        // the story's containment: past a threshold, a command "respawns" the service (here: ends it)
        try (NodeSample js = NodeSample.startWith("js-heap-leak", List.of(), "--mode", "leak", "--ops", "0",
                "--every", "10")) {
            long threshold = rssBytes(js.pid()) + (8 << 20);
            Cli r = Cli.run("watch", Long.toString(js.pid()), "--no-inspector", "--interval", "100ms", "--duration",
                    "0", "--when", "rss-bytes > " + threshold, "--then", "exec", "kill $LEAKHUNT_PID");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(js.process().waitFor(30, TimeUnit.SECONDS), "the target was ended by the command");
            assertTrue(r.out().contains("pid " + js.pid() + " exited after"), r.out());
            assertTrue(r.out().contains("then: ran 'kill $LEAKHUNT_PID' at "), r.out());
            assertTrue(r.out().contains("(rss-bytes > " + threshold + "): exit 0"), r.out());
        }
    }

    @Test
    void signalReachesTheTargetAndRepeatReArmsOnceTheConditionClears() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        // grows 8 MiB every 50 ms; SIGHUP drops it all (and says so)
        Process node = new ProcessBuilder("node", "--expose-gc", "-e", "let held = []; let hups = 0;"
                + "process.on('SIGHUP', () => { hups++; held = []; global.gc(); console.log('hup ' + hups); });"
                + "setInterval(() => { if (held.length < 40) held.push(Buffer.alloc(8 << 20, 1)); }, 50);"
                + "console.log('ready')").start();
        BlockingQueue<String> said = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(node.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    said.add(line);
                }
            } catch (IOException e) {
                // ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            assertEquals("ready", said.poll(30, TimeUnit.SECONDS));
            long threshold = rssBytes(node.pid()) + (64 << 20);
            Cli r = Cli.run("watch", Long.toString(node.pid()), "--no-inspector", "--interval", "100ms",
                    "--duration", "6s", "--when", "rss-bytes > " + threshold, "--then", "signal", "hup", "--repeat",
                    "--json");
            assertEquals(0, r.exit(), r.toString());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> actions = (List<Map<String, Object>>) ((Map<String, Object>) JsonTree
                    .parse(r.out())).get("actions");
            assertTrue(actions.size() >= 2, "re-armed after the drop: " + actions + "\n" + r.err());
            for (Map<String, Object> a : actions) {
                assertEquals("HUP", a.get("signal"));
                assertEquals(null, a.get("error"));
            }
            // each delivered signal was handled: the target said so as many times, polled with a deadline
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int hups = 0;
            while (hups < actions.size() && System.nanoTime() < deadline) {
                String line = said.poll(100, TimeUnit.MILLISECONDS);
                hups += line != null && line.startsWith("hup ") ? 1 : 0;
            }
            assertEquals(actions.size(), hups);
            assertTrue(node.isAlive());
        } finally {
            node.destroyForcibly();
        }
    }

    @Test
    void aProcessThatIsNotNodeIsNeverSignalled() throws Exception {
        try (dev.leakhunt.testing.SignalWitness sleep = dev.leakhunt.testing.SignalWitness.start()) {
            Cli r = Cli.run("watch", Long.toString(sleep.pid()), "--no-inspector", "--interval", "100ms",
                    "--duration", "1s", "--when", "rss-bytes > 1", "--then", "signal", "TERM");
            assertEquals(3, r.exit(), r.toString());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains("is not a Node.js process"), r.err());
            assertTrue(sleep.untouched(), "not signalled (a sent TERM would be pending: it is blocked)");
        }
    }

    @Test
    void watchingAProcessThatIsNotNodeSuggestsProcAlone() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "60").start();
        try {
            Cli r = Cli.run("watch", Long.toString(sleep.pid()), "--duration", "1s");
            assertEquals(3, r.exit(), r.toString());
            assertEquals(List.of("leakhunt watch: pid " + sleep.pid() + " is not a Node.js process ('/usr/bin/sleep'); "
                    + "'leakhunt watch " + sleep.pid() + " --no-inspector' watches its RSS from /proc"),
                    r.err().lines().toList());
        } finally {
            sleep.destroyForcibly();
        }
    }

    @Test
    void badActionsAreUsageErrors() {
        Cli unknown = Cli.run("watch", "1", "--when", "rss-bytes > 1", "--then", "reboot");
        assertEquals(2, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("--then takes continue, stop, exec 'CMD' or signal NAME, not 'reboot'"),
                unknown.err());
        Cli usr1 = Cli.run("watch", "1", "--when", "rss-bytes > 1", "--then", "signal", "USR1");
        assertEquals(2, usr1.exit(), usr1.toString());
        assertTrue(usr1.err().contains("(USR1 opens the inspector)"), usr1.err());
        Cli alone = Cli.run("watch", "1", "--then", "exec", "true");
        assertEquals(2, alone.exit(), alone.toString());
        assertTrue(alone.err().contains("--then and --repeat go with --when or --snapshot-when"), alone.err());
    }
}
