package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.analysis.Trend;
import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.Ids;
import dev.leakhunt.testing.Streams;
import dev.leakhunt.testing.NodeSample;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@code leakhunt watch} against real Node.js services from {@code samples/}, driven by a loop of operations while
 * the watch runs. Targets get {@code --inspect-port=0}, so that SIGUSR1 opens a free port and never 9229. Watches
 * are short (200 ms apart, a few seconds), which the verdict's rules handle because the samples leak fast: the
 * sql.js service keeps 2 MiB per operation.
 */
class WatchCommandTest {
    private static final String SQLJS = "sqljs-memfs-leak";
    private static final String JS_HEAP = "js-heap-leak";
    private static final Pattern ROW = Pattern.compile("(?m)^\\d+:\\d\\d\\.\\d +\\d");
    private static final Pattern OPENED = Pattern.compile("opened the inspector of pid \\d+ on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @BeforeAll
    static void needsNode() {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
    }

    private static void needsSqlJs() {
        assumeTrue(Files.isDirectory(NodeSample.samplesDir().resolve(SQLJS).resolve("node_modules").resolve("sql.js")),
                "run npm ci in samples/" + SQLJS);
    }

    /**
     * Calls {@code /op?n=K} on the sample every {@code pauseMillis} until closed; with {@code afterAttachMillis}
     * at least 0, only from that long after the watch attached to the target.
     */
    private static final class Load implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stop;

        Load(NodeSample sample, int opsPerCall, long pauseMillis) {
            this(sample, opsPerCall, pauseMillis, -1);
        }

        Load(NodeSample sample, int opsPerCall, long pauseMillis, long afterAttachMillis) {
            thread = new Thread(() -> {
                try {
                    if (afterAttachMillis >= 0) {
                        awaitAttached(sample);
                        Thread.sleep(afterAttachMillis);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                while (!stop) {
                    try {
                        sample.op(opsPerCall);
                        Thread.sleep(pauseMillis);
                    } catch (IOException e) {
                        return; // the sample is gone
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "watch-test-load");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.interrupt();
            thread.join(5000);
        }
    }

    /**
     * Waits until a debugger attached to the sample (Node says so on stderr), that is until the watch's session is
     * open and sampling is about to start; timings on a busy machine vary too much to guess.
     */
    private static void awaitAttached(NodeSample sample) throws InterruptedException {
        for (int i = 0; i < 600 && !sample.stderr().contains("Debugger attached."); i++) {
            Thread.sleep(50);
        }
    }

    private static String[] watch(NodeSample sample, String... options) {
        List<String> args = new ArrayList<>(List.of("watch", Long.toString(sample.pid())));
        args.addAll(List.of(options));
        return args.toArray(String[]::new);
    }

    /** The inspector port that the watch said it opened. */
    private static int openedPort(String err) {
        Matcher m = OPENED.matcher(err);
        assertTrue(m.find(), "no 'opened the inspector' note in: " + err);
        return Integer.parseInt(m.group(1));
    }

    private static void assertClosed(int port) {
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(),
                "the inspector on port " + port + " is closed again");
    }

    private static int rows(String out) {
        return (int) ROW.matcher(out).results().count();
    }

    // ---- the verdicts -----------------------------------------------------------------------------------------

    @Test
    void theSqlJsLeakDrivenDuringTheWatchIsANativeLeak() throws Exception {
        needsSqlJs();
        Path csv = dir.resolve("watch.csv");
        Path svg = dir.resolve("watch.svg");
        try (NodeSample sample = NodeSample.start(SQLJS, "leak", 0, "--inspect-port=0")) {
            Cli r;
            try (Load load = new Load(sample, 1, 100)) {
                r = Cli.run(watch(sample, "--interval", "200ms", "--duration", "3s", "--csv", csv.toString(),
                        "--plot", svg.toString(), "--fail-if", "array-buffers-slope > 1MiB/h",
                        "--fail-if", "heap-used-slope > 1GiB/h"));
            }
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.out().matches("(?s).*\\nVerdict: native leak: external \\+[\\d.]+ GiB/h, arrayBuffers "
                    + "\\+[\\d.]+ GiB/h, heapUsed flat \\(rss \\+[\\d.]+ GiB/h\\)\\n.*"), r.out());
            assertTrue(r.out().contains("--max-old-space-size cannot help"), r.out());
            assertTrue(r.err().matches("(?s).*leakhunt watch: assertion failed: array-buffers-slope > 1MiB/h "
                    + "\\(array-buffers-slope is \\+[\\d.]+ GiB/h\\)\\n.*"), r.err());
            assertFalse(r.err().contains("heap-used-slope > 1GiB/h"), r.err());

            // A row per sample under the header, and the same samples in the CSV.
            assertTrue(r.out().matches("(?s)time +rss +heapTotal +heapUsed +external +arrayBuffers +Δ rss\n.*"),
                    r.out());
            int rows = rows(r.out());
            // at most a slot each 200 ms of the 3 s (16); a busy machine skips slots, but the verdict needs 3
            assertTrue(rows >= 3 && rows <= 16, rows + " rows in\n" + r.out());
            List<String> lines = Files.readAllLines(csv);
            assertEquals("time,elapsedSeconds,rss,peakRss,heapTotal,heapUsed,external,arrayBuffers", lines.get(0));
            assertEquals(rows + 1, lines.size());
            long firstArrayBuffers = Long.parseLong(lines.get(1).split(",")[7]);
            long lastArrayBuffers = Long.parseLong(lines.get(lines.size() - 1).split(",")[7]);
            long dbBytes = sample.number("dbBytes");
            assertTrue(lastArrayBuffers - firstArrayBuffers >= 5 * dbBytes, lines.toString());
            assertTrue(lines.get(1).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z,0\\.\\d{3},\\d+,\\d+,"
                    + "\\d+,\\d+,\\d+,\\d+"), lines.get(1));

            assertChart(svg, r.out());
            assertClosed(openedPort(r.err()));
            assertTrue(sample.isAlive());
        }
    }

    /** The SVG is well-formed XML with five series, each a polyline of every sample, and the verdict as title. */
    private static void assertChart(Path svg, String out) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document doc = factory.newDocumentBuilder().parse(svg.toFile());
        Element root = doc.getDocumentElement();
        assertEquals("svg", root.getLocalName());
        assertEquals("http://www.w3.org/2000/svg", root.getNamespaceURI());
        NodeList polylines = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "polyline");
        List<String> series = new ArrayList<>();
        int rows = rows(out);
        for (int i = 0; i < polylines.getLength(); i++) {
            Element p = (Element) polylines.item(i);
            if (p.getAttribute("class").equals("series")) {
                series.add(p.getAttribute("data-series"));
                assertEquals(rows, p.getAttribute("points").trim().split("\\s+").length);
            }
        }
        assertEquals(List.of("rss", "heapTotal", "heapUsed", "external", "arrayBuffers"), series);
        String title = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "title").item(0).getTextContent();
        assertTrue(out.contains("Verdict: " + title + "\n"), title);
    }

    @Test
    void theJsHeapSampleIsAJsHeapLeakInJson() throws Exception {
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 0, "--inspect-port=0")) {
            Cli r;
            try (Load load = new Load(sample, 20, 100)) { // about 2 MB of kept objects a second
                r = Cli.run(watch(sample, "--interval", "200ms", "--duration", "3s", "--json"));
            }
            assertEquals(0, r.exit(), r.toString());
            Map<String, Object> json = object(parse(r.out()));
            assertEquals("leakhunt/1", json.get("schema"));
            assertEquals("watch", json.get("command"));
            Map<String, Object> process = object(json.get("process"));
            assertEquals(sample.pid(), process.get("pid"));
            assertEquals(true, process.get("openedInspector"));
            assertTrue(((String) process.get("nodeVersion")).startsWith("v"));
            assertEquals("duration", object(json.get("watch")).get("ended"));
            List<Object> samples = list(json.get("samples"));
            assertTrue(samples.size() >= 8, samples.toString());
            assertEquals(0L, object(samples.get(0)).get("elapsedMillis"));
            assertEquals(List.of("elapsedMillis", "rss", "peakRss", "heapTotal", "heapUsed", "external",
                    "arrayBuffers"), List.copyOf(object(samples.get(0)).keySet()));

            Map<String, Object> verdict = object(json.get("verdict"));
            assertEquals("js-heap", verdict.get("kind"), verdict.toString());
            assertEquals("heapUsed", verdict.get("basis"));
            assertTrue(((String) verdict.get("text")).startsWith("JS-heap leak: heapUsed +"), verdict.toString());
            assertEquals((long) samples.size(), verdict.get("samples"));
            Map<String, Object> series = object(json.get("series"));
            assertEquals(true, object(series.get("heapUsed")).get("grows"));
            assertEquals(false, object(series.get("external")).get("grows"));
            assertTrue((Double) object(verdict.get("bytesPerHour")).get("heapUsed") > 100.0 * (1 << 20));
            Map<String, Object> metrics = object(json.get("metrics"));
            assertEquals(Trend.metricNames(true), List.copyOf(metrics.keySet()));
            assertEquals(List.of(), json.get("failed"));
            assertClosed(openedPort(r.err()));
        }
    }

    @Test
    void theFixedSqlJsServiceIsStable() throws Exception {
        needsSqlJs();
        // Warmed up first: opened once, caches filled, the heap sized to the load.
        try (NodeSample sample = NodeSample.start(SQLJS, "fixed", 20, "--inspect-port=0");
             Load load = new Load(sample, 1, 100)) {
            // warmed up by operations, not by time: ten of the load's first, polled with a deadline
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (((Number) sample.op(0).get("ops")).longValue() < 30 && System.nanoTime() < deadline) {
                Thread.sleep(50); // between polls: each is a request to the sample
            }
            assertTrue(((Number) sample.op(0).get("ops")).longValue() >= 30, "the load runs");
            Cli r = Cli.run(watch(sample, "--interval", "200ms", "--duration", "3s",
                    "--fail-if", "external-slope > 1GiB/h", "--fail-if", "array-buffers-bytes > 64MiB"));
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().matches("(?s).*\nVerdict: stable: nothing grows( clearly)? \\(rss .*"), r.out());
            assertFalse(r.out().contains(" grows\n"), "no series grows:\n" + r.out());
            assertEquals(1L, sample.op(0).get("opened"), "fixed: one Database the whole time");
        }
    }

    // ---- --snapshot-when ----------------------------------------------------------------------------------------

    @Test
    void snapshotWhenFiresOnceThenTheWatchGoesOn() throws Exception {
        needsSqlJs();
        try (NodeSample sample = NodeSample.start(SQLJS, "leak", 2, "--inspect-port=0")) {
            long dbBytes = sample.number("dbBytes");
            long threshold = ((Number) sample.memory().get("arrayBuffers")).longValue() + 3 * dbBytes;
            Cli r;
            // The load starts once the watch samples, so that the condition first holds mid-watch; the watch is
            // long enough to go on after the capture and analysis (about 3 s here, more on a busy machine).
            try (Load load = new Load(sample, 1, 200, 600)) {
                r = Cli.run(watch(sample, "--interval", "200ms", "--duration", "12s", "-o", dir.toString(),
                        "--snapshot-when", "array-buffers-bytes > " + threshold));
            }
            assertEquals(0, r.exit(), r.toString());
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.toList();
            }
            assertEquals(1, files.size(), files.toString());
            assertTrue(files.get(0).getFileName().toString().matches("node-" + sample.pid()
                    + "-\\d{8}-\\d{6}\\.heapsnapshot"), files.toString());
            assertEquals(1, count(r.err(), "taking a heap snapshot"), r.err());
            assertTrue(r.err().contains("wrote '" + files.get(0) + "' ("), r.err());
            assertTrue(r.err().contains(", written by the target)\n"), "as snapshot does by default: " + r.err());
            assertEquals(1, count(r.out(), "\nHeap snapshot at "), r.out());
            // The analysis: one backing store per leaked open, each exactly the DB's size.
            assertTrue(r.out().matches("(?s).*\\n#\\d  \\d+ × system / JSArrayBufferData @ 2\\.0 MiB = .*"), r.out());
            // The rows go on under a second header, and the snapshot was not the last sample.
            String after = r.out().substring(r.out().indexOf("\nHeap snapshot at "));
            assertTrue(after.contains("\ntime "), after);
            assertTrue(rows(after) >= 1, after);
            assertTrue(rows(r.out().substring(0, r.out().indexOf("\nHeap snapshot at "))) >= 2, r.out());
            assertTrue(r.out().contains("\nVerdict: native leak: "), r.out());
            assertClosed(openedPort(r.err()));
        }
    }

    @Test
    void snapshotWhenThenStopEndsTheWatchWithTheAnalysisInJson() throws Exception {
        needsSqlJs();
        try (NodeSample sample = NodeSample.start(SQLJS, "leak", 3, "--inspect-port=0")) {
            long dbBytes = sample.number("dbBytes");
            Path out = dir.resolve("at-threshold.heapsnapshot");
            Cli r;
            try (Load load = new Load(sample, 1, 100)) {
                r = Cli.run(watch(sample, "--interval", "200ms", "--duration", "20s", "--json", "-o", out.toString(),
                        "--snapshot-when", "array-buffers-bytes >= " + 3 * dbBytes, "--then", "stop"));
            }
            assertEquals(0, r.exit(), r.toString());
            Map<String, Object> json = object(parse(r.out()));
            assertEquals("snapshot", object(json.get("watch")).get("ended"));
            Map<String, Object> capture = object(json.get("capture"));
            assertEquals("array-buffers-bytes >= " + 3 * dbBytes, capture.get("trigger"));
            assertEquals(out.toString(), capture.get("file"));
            assertEquals(Files.size(out), capture.get("bytes"));
            assertEquals(0L, capture.get("atMillis"), "the first sample meets it");
            assertEquals(1, list(json.get("samples")).size());
            // The leaked copies of the DB: a group of buffers of exactly its size (the 21 MiB WebAssembly memory of
            // sql.js may rank above them this early).
            List<Object> groups = list(object(capture.get("analysis")).get("groups"));
            Map<String, Object> group = groups.stream().map(WatchCommandTest::object)
                    .filter(g -> Long.valueOf(dbBytes).equals(g.get("sizeBytes"))).findFirst().orElseThrow();
            assertTrue((Long) group.get("count") >= 3, group.toString());
            assertEquals("unknown", object(json.get("verdict")).get("kind"));
        }
    }

    /** The number of backing stores of exactly {@code bytes} in a snapshot, as analyze groups them. */
    private static long storesOf(Path file, long bytes) throws IOException {
        Cli r = Cli.run("analyze", file.toString(), "--json", "--top", "50");
        assertEquals(0, r.exit(), r.toString());
        return list(object(parse(r.out())).get("groups")).stream().map(WatchCommandTest::object)
                .filter(g -> Long.valueOf(bytes).equals(g.get("sizeBytes"))).mapToLong(g -> (Long) g.get("count"))
                .sum();
    }

    @Test
    void twoSnapshotWhenConditionsShareTheSessionSoDiffMatchesTheirIds() throws Exception {
        needsSqlJs();
        try (NodeSample sample = NodeSample.start(SQLJS, "leak", 2, "--inspect-port=0")) {
            long dbBytes = sample.number("dbBytes");
            long base = ((Number) sample.memory().get("arrayBuffers")).longValue();
            String first = "array-buffers-bytes > " + (base + 2 * dbBytes);
            String second = "array-buffers-bytes > " + (base + 5 * dbBytes);
            Cli r;
            try (Load load = new Load(sample, 1, 150)) {
                r = Cli.run(watch(sample, "--interval", "200ms", "--duration", "1m", "-o", dir.toString(),
                        "--snapshot-when", first, "--snapshot-when", second, "--then", "stop"));
            }
            assertEquals(0, r.exit(), r.toString());
            assertEquals(2, count(r.err(), "taking a heap snapshot"), r.err());
            Matcher wrote = Pattern.compile("wrote '([^']+)' \\(").matcher(r.err());
            List<Path> files = new ArrayList<>();
            while (wrote.find()) {
                files.add(Path.of(wrote.group(1)));
            }
            assertEquals(2, files.size(), r.err());
            assertTrue(r.out().contains("\nHeap snapshot at ") && r.out().contains(" (" + first + ")\n")
                    && r.out().contains(" (" + second + ")\n"), r.out());
            assertTrue(r.out().endsWith("\nThe 2 snapshots share one inspector session, so their objects match by id: "
                    + "leakhunt diff '" + files.get(0) + "' '" + files.get(1) + "'\n"), r.out());
            assertClosed(openedPort(r.err()));

            // the watch's session kept V8's ids: diff matches every sampled id, and finds exactly the new copies
            Cli diff = Cli.run("diff", files.get(0).toString(), files.get(1).toString(), "--json", "--top", "20");
            assertEquals(0, diff.exit(), diff.toString());
            Map<String, Object> d = object(object(parse(diff.out())).get("diff"));
            assertEquals("ids", d.get("mode"));
            Map<String, Object> identity = object(d.get("identity"));
            assertTrue((Long) identity.get("checkedIds") > 1000, identity.toString());
            Ids.assertMatch((Long) identity.get("checkedIds"), (Long) identity.get("agreeingIds"));
            long added = storesOf(files.get(1), dbBytes) - storesOf(files.get(0), dbBytes);
            assertTrue(added >= 1, "the load opened the database between the snapshots: " + added);
            Map<String, Object> group = list(d.get("bufferGroups")).stream().map(WatchCommandTest::object)
                    .map(g -> object(g.get("group"))).filter(g -> Long.valueOf(dbBytes).equals(g.get("sizeBytes")))
                    .findFirst().orElseThrow();
            assertEquals(added, group.get("count"));
            assertEquals(added * dbBytes, group.get("totalBytes"));
            assertEquals("Array", object(group.get("holder")).get("name"), "the MEMFS name table");
        }
    }

    @Test
    void snapshotWhenThenStopInTextEndsWithTheAnalysisAndTheVerdict() throws Exception {
        needsSqlJs();
        try (NodeSample sample = NodeSample.start(SQLJS, "leak", 3, "--inspect-port=0")) {
            Cli r = Cli.run(watch(sample, "--interval", "200ms", "--duration", "20s", "-o", dir.toString(),
                    "--snapshot-when", "rss-bytes > 1MiB", "--then", "stop", "--top", "2", "--classes", "3"));
            assertEquals(0, r.exit(), r.toString());
            String afterSnapshot = r.out().substring(r.out().indexOf("\nHeap snapshot at 0:00.0 (rss-bytes > 1MiB)\n"));
            assertTrue(afterSnapshot.contains("\nClasses by retained size (top 3)\n"), afterSnapshot);
            assertFalse(afterSnapshot.contains("\ntime "), "no header for rows that do not come:\n" + afterSnapshot);
            assertTrue(afterSnapshot.endsWith("\nVerdict: no verdict: 1 sample over 0 ms (a line needs 3 or more)\n"
                    + "  confidence none: 1 sample over 0 ms\n"), afterSnapshot);
        }
    }

    // ---- how a watch ends ---------------------------------------------------------------------------------------

    @Test
    void theTargetExitingMidWatchEndsItWithAVerdict() throws Exception {
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 0, "--inspect-port=0")) {
            Thread killer = new Thread(() -> {
                try {
                    awaitAttached(sample);
                    Thread.sleep(1500);
                } catch (InterruptedException e) {
                    return;
                }
                sample.process().destroy(); // SIGTERM: the sample exits 0, once the watch lets go of it
            });
            killer.start();
            long start = System.nanoTime();
            Cli r = Cli.run(watch(sample, "--interval", "200ms", "--duration", "30s", "--json"));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            killer.join();
            assertEquals(0, r.exit(), r.toString());
            assertTrue(seconds < 20, seconds + " s, of a 30 s watch");
            assertTrue(r.err().contains("leakhunt watch: pid " + sample.pid() + " exited after "), r.err());
            Map<String, Object> json = object(parse(r.out()));
            assertEquals("target-exited", object(json.get("watch")).get("ended"));
            assertTrue(list(json.get("samples")).size() >= 3, r.out());
            assertNotNull(object(json.get("verdict")).get("kind"));
            assertFalse(r.err().contains("internal error"), r.err());
        }
    }

    @Test
    void ctrlCEndsTheWatchWithAVerdictAndClosesTheInspector() throws Exception {
        Path svg = dir.resolve("interrupted.svg");
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 10, "--inspect-port=0")) {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    LeakHunt.class.getName(), "watch", Long.toString(sample.pid()), "--interval", "200ms",
                    "--duration", "1m", "--plot", svg.toString()).start();
            try {
                Streams.Lines out = Streams.lines(jvm.getInputStream());
                Streams.Lines err = Streams.lines(jvm.getErrorStream());
                for (int rows = 0; rows < 4; ) { // the header and three samples
                    String line = out.poll(20, TimeUnit.SECONDS);
                    assertNotNull(line, "no row from the watch; stderr: " + err);
                    rows++;
                }
                new ProcessBuilder("kill", "-INT", Long.toString(jvm.pid())).start().waitFor();
                assertTrue(jvm.waitFor(20, TimeUnit.SECONDS), "the watch exited on SIGINT");
                assertEquals(130, jvm.exitValue());
                String stdout = String.join("\n", out.awaitEnd(20, TimeUnit.SECONDS)); // the rest of the output
                String stderr = String.join("\n", err.awaitEnd(20, TimeUnit.SECONDS));
                assertTrue(stdout.contains("Verdict: "), stdout + stderr);
                assertTrue(stdout.contains("Series over the watch (interrupted after "), stdout);
                assertTrue(Files.size(svg) > 1000, "the chart is written on Ctrl-C too");
                assertClosed(openedPort(stderr));
                assertTrue(sample.isAlive());
            } finally {
                jvm.destroyForcibly();
            }
        }
    }


    @Test
    void withoutTheInspectorOnlyProcIsSampledAndAnyProcessWillDo() throws Exception {
        try (NodeSample sample = NodeSample.start(JS_HEAP, "leak", 0, "--inspect-port=0")) {
            Cli r;
            try (Load load = new Load(sample, 40, 100)) {
                r = Cli.run(watch(sample, "--no-inspector", "--interval", "200ms", "--duration", "2s",
                        "--fail-if", "rss-slope > 1MiB/h"));
            }
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.out().matches("(?s)time +rss +peak rss +Δ rss\n.*"), r.out());
            assertTrue(r.out().contains("\nVerdict: RSS grows +"), r.out());
            assertTrue(r.out().contains("(sampled without the inspector: where in the process is not known)"));
            assertFalse(sample.stderr().contains("Debugger listening"), "no inspector was opened");
        }
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            Cli r = Cli.run("watch", Long.toString(sleep.pid()), "--no-inspector", "--interval", "200ms",
                    "--duration", "1s");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().matches("(?s).*\nVerdict: stable: nothing grows( clearly)? \\(rss .*"), r.out());
            assertTrue(sleep.isAlive());
        } finally {
            sleep.destroyForcibly();
        }
    }

    // ---- usage and bad input -------------------------------------------------------------------------------------

    @Test
    void usageErrorsExitTwoBeforeTouchingTheTarget() {
        String pid = Long.toString(ProcessHandle.current().pid()); // a Java process: never signalled on these
        assertUsage("bad time '5' (use a unit: 500ms, 5s, 1m, 2h)", "watch", pid, "--interval", "5");
        assertUsage("--interval 50 ms is too short (at least 100 ms)", "watch", pid, "--interval", "50ms");
        assertUsage("--snapshot-when needs the inspector; drop --no-inspector", "watch", pid, "--no-inspector",
                "--snapshot-when", "rss-bytes > 1GiB");
        assertUsage("--fail-if 'heap-used-slope > 1MiB/h' needs the inspector (heap-used-slope comes from "
                + "process.memoryUsage()); drop --no-inspector", "watch", pid, "--no-inspector", "--fail-if",
                "heap-used-slope > 1MiB/h");
        assertUsage("unknown metric 'growth' in --fail-if 'growth > 1'; known: rss-slope, heap-total-slope, "
                + "heap-used-slope, external-slope, array-buffers-slope, outside-v8-slope, rss-bytes, peak-rss-bytes, "
                + "rss-growth-bytes, heap-total-bytes, heap-used-bytes, external-bytes, array-buffers-bytes, samples",
                "watch", pid, "--fail-if", "growth > 1");
        assertUsage("unknown metric 'rss-slope' in --snapshot-when 'rss-slope > 1'; known: rss-bytes, peak-rss-bytes,"
                + " rss-growth-bytes, heap-total-bytes, heap-used-bytes, external-bytes, array-buffers-bytes",
                "watch", pid, "--snapshot-when", "rss-slope > 1");
        assertUsage("bad --snapshot-when 'rss-bytes > 1MiB/h': a sample's figures are bytes, not rates", "watch",
                pid, "--snapshot-when", "rss-bytes > 1MiB/h");
        assertUsage("--plot writes SVG: name the file .svg ('chart.png')", "watch", pid, "--plot", "chart.png");
        assertUsage("--then and --repeat go with --when or --snapshot-when", "watch", pid, "--then", "stop");
        assertUsage("-o and --gzip go with --snapshot-when", "watch", pid, "--gzip");
    }

    private static void assertUsage(String message, String... args) {
        Cli r = Cli.run(args);
        assertEquals(2, r.exit(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().contains(message), "expected '" + message + "' in\n" + r.err());
    }

    @Test
    void aMissingOrUnwatchableTargetExitsThree() throws IOException {
        long pidMax;
        try (java.io.InputStream in = Files.newInputStream(Path.of("/proc/sys/kernel/pid_max"))) {
            // streamed: Files.readString reads one byte of a sysctl
            pidMax = Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
        Cli none = Cli.run("watch", Long.toString(pidMax + 1));
        assertEquals(3, none.exit(), none.toString());
        assertEquals("leakhunt watch: no process with pid " + (pidMax + 1) + "\n", none.err());

        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            Cli notNode = Cli.run("watch", Long.toString(sleep.pid()), "--csv", dir.resolve("x.csv").toString());
            assertEquals(3, notNode.exit(), notNode.toString());
            assertTrue(notNode.err().startsWith("leakhunt watch: pid " + sleep.pid() + " is not a Node.js process"),
                    notNode.err());
            assertFalse(Files.exists(dir.resolve("x.csv")), "no CSV for a watch that never started");

            Cli noDir = Cli.run("watch", Long.toString(sleep.pid()), "--no-inspector", "--plot",
                    dir.resolve("missing/chart.svg").toString());
            assertEquals(3, noDir.exit(), noDir.toString());
            assertTrue(noDir.err().startsWith("leakhunt watch: cannot write '" + dir.resolve("missing/chart.svg")
                    + "': no such directory"), noDir.err());
            assertTrue(sleep.isAlive());
        } finally {
            sleep.destroyForcibly();
        }
    }

    // ---- JSON ---------------------------------------------------------------------------------------------------

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value) {
        assertTrue(value instanceof Map, String.valueOf(value));
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        assertTrue(value instanceof List, String.valueOf(value));
        return (List<Object>) value;
    }

    /** A JSON document as maps, lists, strings, longs, doubles, booleans and nulls. */
    static Object parse(String json) throws IOException {
        return dev.leakhunt.testing.JsonTree.parse(json);
    }
}
