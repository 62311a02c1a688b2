package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.JsonTree;
import dev.leakhunt.testing.NodeSample;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code leakhunt ps}: Node.js processes from /proc, a leaking one ranked above a flat one, a parent with its child
 * under --tree, and a container's id, cgroup limit and pid inside it.
 */
class PsCommandTest {
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> processes(Cli r) throws Exception {
        return (List<Map<String, Object>>) ((Map<String, Object>) JsonTree.parse(r.out())).get("processes");
    }

    private static Optional<Map<String, Object>> find(List<Map<String, Object>> ps, long pid) {
        return ps.stream().filter(p -> ((Number) p.get("pid")).longValue() == pid).findFirst();
    }

    @Test
    void aLeakingProcessRanksAboveAFlatOneAndIsNamedNext() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        try (NodeSample leak = NodeSample.startWith("js-heap-leak", List.of(), "--mode", "leak", "--ops", "0",
                "--every", "5");
             NodeSample flat = NodeSample.startWith("js-heap-leak", List.of(), "--mode", "fixed", "--ops", "0",
                     "--every", "5")) {
            Cli r = Cli.run("ps", "--sample", "2s", "--json");
            assertEquals(0, r.exit(), r.toString());
            List<Map<String, Object>> ps = processes(r);
            Map<String, Object> l = find(ps, leak.pid()).orElseThrow(() -> new AssertionError(r.out()));
            Map<String, Object> f = find(ps, flat.pid()).orElseThrow(() -> new AssertionError(r.out()));
            assertTrue(((Number) l.get("growthBytes")).longValue() > ((Number) f.get("growthBytes")).longValue()
                    + (512 << 10), r.out());
            assertTrue(ps.indexOf(l) < ps.indexOf(f), "ranked by growth: " + r.out());
            assertTrue(((String) l.get("command")).contains("server.js --mode leak"), r.out());
            assertTrue(ps.stream().noneMatch(p -> ((Number) p.get("pid")).longValue() == ProcessHandle.current()
                    .pid()), "java is not Node.js");

            Cli text = Cli.run("ps", "--sample", "2s");
            assertEquals(0, text.exit(), text.toString());
            assertTrue(text.out().matches("(?s)\\s*pid\\s+ppid\\s+rss\\s+growth/2 s\\s+limit\\s+container\\s+command\n.*"),
                    text.out());
            assertTrue(text.out().contains("Next: leakhunt watch "), text.out());
        }
    }

    @Test
    void treeShowsAChildUnderItsParent() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        // the story's proxy and the service it wraps
        Process parent = new ProcessBuilder("node", "-e", "const c = require('child_process').spawn(process.execPath,"
                + " ['-e', 'setInterval(() => {}, 1000); console.log(process.pid)'], {stdio: ['ignore', 'inherit',"
                + " 'inherit']}); setInterval(() => {}, 1000)").start();
        try {
            String childPid = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            long child = Long.parseLong(childPid.trim());
            Cli r = Cli.run("ps", "--sample", "0", "--tree", "--json");
            assertEquals(0, r.exit(), r.toString());
            List<Map<String, Object>> ps = processes(r);
            Map<String, Object> p = find(ps, parent.pid()).orElseThrow(() -> new AssertionError(r.out()));
            Map<String, Object> c = find(ps, child).orElseThrow(() -> new AssertionError(r.out()));
            assertEquals(ps.indexOf(p) + 1, ps.indexOf(c), "right under its parent: " + r.out());
            assertEquals(((Number) p.get("depth")).longValue() + 1, ((Number) c.get("depth")).longValue());
            assertEquals(parent.pid(), ((Number) c.get("ppid")).longValue());
            assertEquals(null, c.get("growthBytes"), "no sample, no growth");

            Cli text = Cli.run("ps", "--sample", "0", "--tree");
            assertTrue(text.out().lines().anyMatch(l -> l.trim().startsWith(childPid.trim() + " ")
                    && l.contains("└ ") && l.contains("node -e setInterval")), text.out());
        } finally {
            parent.descendants().forEach(ProcessHandle::destroyForcibly);
            parent.destroyForcibly();
        }
    }

    @Test
    void aProcessInAContainerShowsItsIdLimitAndPidThere() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        Path v1 = Path.of("/sys/fs/cgroup/memory");
        assumeTrue(Files.isWritable(v1) && Files.isRegularFile(v1.resolve("tasks")), "a writable v1 memory cgroup");
        String id = "3f2a9c1d7e5b" + "0".repeat(52);
        Path group = Files.createDirectories(v1.resolve("leakhunt-test-" + ProcessHandle.current().pid())
                .resolve("docker-" + id + ".scope"));
        // its own pid namespace, as a container's main process: pid 1 there
        Process node = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "node", "-e",
                "setInterval(() => {}, 1000); console.log('ready')").start();
        try {
            assertEquals("ready", new BufferedReader(new InputStreamReader(node.getInputStream(),
                    StandardCharsets.UTF_8)).readLine());
            long pid = node.descendants().filter(h -> h.info().command().orElse("").endsWith("node")).findFirst()
                    .orElseThrow().pid();
            Files.writeString(group.resolve("memory.limit_in_bytes"), Long.toString(512L << 20));
            Files.writeString(group.resolve("tasks"), Long.toString(pid));
            Cli r = Cli.run("ps", "--sample", "0", "--json");
            Map<String, Object> p = find(processes(r), pid).orElseThrow(() -> new AssertionError(r.out()));
            assertEquals("3f2a9c1d7e5b", p.get("container"));
            assertEquals(512L << 20, ((Number) p.get("cgroupLimitBytes")).longValue());
            assertTrue(((String) p.get("cgroup")).endsWith("docker-" + id + ".scope"), (String) p.get("cgroup"));
            assertEquals(1L, ((Number) p.get("pidInNamespace")).longValue());
            Cli text = Cli.run("ps", "--sample", "0");
            assertTrue(text.out().lines().anyMatch(l -> l.trim().startsWith(pid + " ") && l.contains("512.0 MiB")
                    && l.contains("3f2a9c1d7e5b (pid 1)")), text.out());
        } finally {
            node.descendants().forEach(ProcessHandle::destroyForcibly);
            node.destroyForcibly();
            node.waitFor(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.readString(group.resolve("tasks")).isBlank() && System.nanoTime() < deadline) {
                Thread.sleep(20); // the killed process leaves the cgroup
            }
            Files.delete(group);
            Files.delete(group.getParent());
        }
    }
}
