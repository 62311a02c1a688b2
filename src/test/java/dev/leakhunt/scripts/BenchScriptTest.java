package dev.leakhunt.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.analysis.Analysis;
import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.analysis.BufferGroup;
import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.NodeSample;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/bench, scripts/limits-check and scripts/tile-snapshot.js on tiny snapshots, so that the benchmark, the
 * check of the format's limits and the maker of big real-structured snapshots cannot rot between the times they
 * are run at full size.
 */
class BenchScriptTest {
    @TempDir
    Path dir;

    private static String leakhuntCommand() {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return "java -cp " + String.join(File.pathSeparator, classpath.split(File.pathSeparator)) + " dev.leakhunt.cli.LeakHunt";
    }

    /** Runs a script with a tiny self-test, BENCH_OUT in the test's directory; returns its output, exit 0 checked. */
    private String runSelfTest(String... command) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/time")), "/usr/bin/time (Debian package time) is missing");
        Path log = dir.resolve("script.log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("BENCH_OUT", dir.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the self-test finishes");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    @Test
    void limitsCheckFindsWhatTheGeneratorWrote() throws IOException, InterruptedException {
        String log = runSelfTest("scripts/limits-check", "--self-test", "--leakhunt", leakhuntCommand());
        // five figures from the analysis, each equal to the generator's; and the 5 GiB node counted in full
        assertEquals(5, log.lines().filter(l -> l.startsWith("ok ")).count(), log);
        assertTrue(log.matches("(?s).*ok   self bytes: 53\\d{8}\\n.*"), log);
    }

    @Test
    void tilingASnapshotMultipliesEverythingTheAnalysisFinds() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        Path sample = dir.resolve("sample.heapsnapshot");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(
                NodeSample.samplesDir().resolve("sqljs-memfs-leak.heapsnapshot.gz")))) {
            Files.copy(in, sample);
        }
        Path tiled = dir.resolve("tiled.heapsnapshot");
        Process p = new ProcessBuilder("node", "scripts/tile-snapshot.js", "--in", sample.toString(), "--copies", "3",
                "--out", tiled.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);

        AnalysisResult one = Analysis.analyze(HeapGraph.build(new SnapshotReader(sample).read()), 3, 5);
        AnalysisResult three = Analysis.analyze(HeapGraph.build(new SnapshotReader(tiled).read()), 3, 5);
        assertEquals(1 + 3 * (one.nodeCount() - 1), three.nodeCount(), "the root once, every other node 3 times");
        assertEquals(3 * one.edgeCount(), three.edgeCount());
        assertEquals(3 * one.totals().selfBytes(), three.totals().selfBytes(), "the root's self size is 0");
        assertEquals(3 * one.totals().nativeBytes(), three.totals().nativeBytes());
        assertEquals(3 * one.totals().backingStores(), three.totals().backingStores());
        assertEquals(0, three.totals().unreachableNodes(), "every copy hangs under the root");
        BufferGroup top = one.groups().get(0);
        BufferGroup tripled = three.groups().get(0);
        assertEquals(50, top.count());
        assertEquals(3 * top.count(), tripled.count());
        assertEquals(top.sizeBytes(), tripled.sizeBytes());
        assertEquals(top.chain().size(), tripled.chain().size(), "the same retainer chain, in each copy");
        assertTrue(output.contains("\"copies\":3"), output);
    }

    @Test
    void selfTestPrintsTheTableWithLeakhuntsFigures() throws IOException, InterruptedException {
        String log = runSelfTest("scripts/bench", "--self-test", "--strict", "--leakhunt", leakhuntCommand());
        assertTrue(log.matches("(?s).*raw read \\(cat\\)\\s+[0-9.]+\\s+[0-9]+.*"), log);
        assertTrue(log.matches("(?s).*leakhunt analyze\\s+[0-9.]+\\s+[0-9]+\\s+[0-9.]+\\s+ok.*"), log);
    }
}
