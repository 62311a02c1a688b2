package dev.leakhunt.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.leakhunt.analysis.Analysis;
import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.analysis.Triage;
import dev.leakhunt.analysis.Units;
import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.inspector.Capture;
import dev.leakhunt.inspector.Headroom;
import dev.leakhunt.inspector.InspectorSession;
import dev.leakhunt.inspector.MemoryUsage;
import dev.leakhunt.inspector.Namespaces;
import dev.leakhunt.inspector.ProcessInfo;
import dev.leakhunt.inspector.ProgressListener;
import dev.leakhunt.report.JsonReport;
import dev.leakhunt.report.TextReport;
import dev.leakhunt.report.WatchReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Take a heap snapshot of a running Node.js process and analyze it as 'analyze' does.",
                "By pid, the inspector the process already listens on is used; if it has none, SIGUSR1 opens one "
                        + "and it is closed again afterwards (also on failure and Ctrl-C). --port and --url reach "
                        + "any DevTools endpoint (node --inspect, Chromium --remote-debugging-port, Electron); "
                        + "nothing is opened or closed then.",
                "Before the analysis: the process's memoryUsage() figures and what their proportions suggest. "
                        + "The file is written owner-only (a heap holds the process's secrets), to <FILE>.part "
                        + "first and renamed when complete. The target is paused while V8 builds the snapshot."},
        footerHeading = "%nMetrics for --fail-if:%n",
        footer = {"  rss-bytes, heap-used-bytes, external-bytes, array-buffers-bytes",
                "      process.memoryUsage() after the snapshot's garbage collection",
                "  native-bytes, largest-group-bytes, largest-group-count, backing-stores,",
                "  self-bytes, node-count, edge-count, unreachable-nodes, top-suspect-bytes,",
                "  top-suspect-count",
                "      of the snapshot, as for analyze (not with --no-analyze)"})
final class SnapshotCommand extends BaseCommand {
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);
    private static final int MAX_TITLE_CHARS = 40;

    @Parameters(index = "0", arity = "0..1", paramLabel = "PID", converter = PidConverter.class,
            description = "The Node.js process (or give --port or --url instead).")
    Long pid;

    @Option(names = "--port", paramLabel = "N", description = "A DevTools endpoint's port instead of a pid.")
    Integer port;

    @Option(names = "--host", paramLabel = "HOST", description = "The host of --port (default: 127.0.0.1).")
    String host;

    @Option(names = "--url", paramLabel = "URL",
            description = "A target's ws://host:port/<id> (or an endpoint's http://host:port) instead of a pid.")
    URI url;

    @Option(names = "--target", paramLabel = "ID", description = "With --port: the /json/list target to take "
            + "(default: the first node target, else the first page).")
    String target;

    @Option(names = {"-o", "--output"}, paramLabel = "PATH",
            description = {"Where to write: a file (a name ending in .gz is compressed), or an existing directory "
                    + "for the default name <title>-<pid>-<yyyyMMdd-HHmmss>.heapsnapshot (default: the current "
                    + "directory)."})
    Path output;

    @Option(names = "--gzip", description = "Compress while writing (the default name gets .gz).")
    boolean gzip;

    @Option(names = "--direct", description = {"Have the target write the file itself (v8.writeHeapSnapshot, run "
            + "through the inspector), and fail if it cannot. The default when it can: a pid on this machine's file "
            + "system, run by our user (or root), without compression; the target then spends about a quarter less "
            + "time and CPU than on sending the snapshot over the inspector, and nothing passes through leakhunt."})
    boolean direct;

    @Option(names = "--stream", description = "Have the target send the snapshot over the inspector, written here "
            + "as it arrives (the only way for --port, --url, another user's or a container's process, and --gzip); "
            + "the progress bar then counts objects first.")
    boolean stream;

    @Option(names = "--gc", description = "Run a full garbage collection in the target first.")
    boolean gc;

    @Option(names = "--keep-inspector", description = "Leave an inspector that leakhunt opened open afterwards.")
    boolean keepInspector;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long to wait for the inspector to open after SIGUSR1: 500ms, 10s, 1m (default: "
                    + "${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Option(names = "--track-allocations", paramLabel = "TIME", converter = DurationConverter.class,
            description = {"Record the stack of every allocation for TIME (0: until Ctrl-C; Ctrl-C also ends a "
                    + "TIME early), then take the snapshot: groups and suspects show where their members were "
                    + "allocated. The target runs much slower while tracked (allocation-heavy code 7-9x slower: "
                    + "scripts/tracking-cost.js); tracking is stopped on every path."})
    Long trackMillis;

    @Option(names = "--no-analyze", description = "Only take the snapshot: print where it is and its size.")
    boolean noAnalyze;

    @Mixin
    TargetGuards guards;

    @Mixin
    ReportOptions report;

    /**
     * What the capture gave: who the target is, its memory just before and just after (the snapshot's garbage
     * collection left only what is live; null when it could not be read), the file, and the memory around it.
     */
    record Captured(ProcessInfo process, String inspector, MemoryUsage usage, Capture capture, Headroom headroom,
                    MemoryUsage after) {
        /** The figures to judge by: after the snapshot's collection when known. */
        MemoryUsage settled() {
            return after != null ? after : usage;
        }
    }

    @Override
    public Integer call() throws Exception {
        checkTarget();
        List<FailIf> assertions = assertions();
        Path directory = outputDirectory();
        Integer inside = pid == null ? null : NamespaceEntry.runInside(this, pid);
        if (inside != null) {
            return inside;
        }
        Captured captured = capture(directory);
        MemoryUsage usage = captured.settled();
        if (usage == null && assertions.stream().anyMatch(f -> MemoryUsage.METRICS.contains(f.metric()))) {
            throw new IOException("the target at " + captured.inspector() + " is not Node.js: it has no "
                    + "process.memoryUsage() for --fail-if; the snapshot is in '" + captured.capture().path() + "'");
        }
        Map<String, Long> processMetrics = usage == null ? Map.of() : usage.metrics();
        Path file = captured.capture().path();
        if (noAnalyze) {
            if (!report.json) {
                header(out(), captured, file, null);
                out().flush();
            }
            return report.emit(this, "snapshot", processMetrics, assertions, json -> json(json, captured, null),
                    text -> { });
        }
        AnalysisResult result = withMetrics(analyze(file), processMetrics);
        return report.emit(this, "snapshot", result, assertions,
                json -> json(json, captured, result).analysis(result),
                text -> {
                    header(out(), captured, null, result);
                    out().println();
                    text.analysis(result);
                });
    }

    // ---- the command line --------------------------------------------------------------------------------------

    private void checkTarget() {
        int given = (pid != null ? 1 : 0) + (port != null ? 1 : 0) + (url != null ? 1 : 0);
        if (given == 0) {
            throw new UsageException("give a pid, --port or --url");
        }
        if (given > 1) {
            throw new UsageException("give one of a pid, --port and --url, not " + given);
        }
        if (pid != null && pid <= 0) {
            throw new UsageException("bad pid '" + pid + "'");
        }
        if (port != null && (port < 1 || port > 65_535)) {
            throw new UsageException("bad --port '" + port + "' (1 to 65535)");
        }
        if (host != null && port == null) {
            throw new UsageException("--host goes with --port");
        }
        if (target != null && port == null) {
            throw new UsageException("--target goes with --port (a ws:// url names its target already)");
        }
        if (timeoutMillis <= 0) {
            throw new UsageException("--timeout must be more than 0");
        }
        if (direct && stream) {
            throw new UsageException("give --direct or --stream, not both");
        }
        if (direct && pid == null) {
            throw new UsageException("--direct needs a pid: the target writes the file, so it must share this "
                    + "machine's file system");
        }
        if (direct && (gzip || output != null && output.getFileName().toString().endsWith(".gz"))) {
            throw new UsageException("--direct cannot compress: the target writes plain text (leave out --gzip or "
                    + "--direct)");
        }
    }

    private List<FailIf> assertions() {
        List<String> known = new ArrayList<>(MemoryUsage.METRICS);
        known.addAll(ReportOptions.ANALYZE_METRICS);
        List<FailIf> assertions = FailIf.parseAll(report.failIf, known);
        for (FailIf f : assertions) {
            if (noAnalyze && !MemoryUsage.METRICS.contains(f.metric())) {
                throw new UsageException("--fail-if '" + f.text() + "' needs the analysis (" + f.metric()
                        + " is a figure of the snapshot); drop --no-analyze");
            }
        }
        return assertions;
    }

    /**
     * The directory the file goes to, checked before the target is touched: {@code -o DIR}, the parent of
     * {@code -o FILE}, or the current directory.
     */
    private Path outputDirectory() throws IOException {
        Path dir = output == null ? Path.of("")
                : Files.isDirectory(output) ? output
                : output.toAbsolutePath().getParent();
        Path shown = dir.toString().isEmpty() ? Path.of("").toAbsolutePath() : dir;
        if (!Files.isDirectory(dir)) {
            throw new IOException("cannot write to '" + shown + "': " + (Files.exists(dir) ? "not a directory"
                    : "no such directory"));
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("cannot write to '" + shown + "': permission denied");
        }
        return dir;
    }

    // ---- the capture -------------------------------------------------------------------------------------------

    private Captured capture(Path directory) throws IOException {
        String prefix = spec.qualifiedName() + ": ";
        InspectorSession.Options options = guards.apply(InspectorSession.Options.defaults())
                .withOpenTimeoutMillis(timeoutMillis)
                .withKeepInspector(keepInspector)
                .withNotes(note -> {
                    err().println(prefix + note);
                    err().flush();
                });
        try (InspectorSession session = connect(options)) {
            ProcessInfo info = session.processInfo();
            if (pid != null) {
                info = inOurPidNamespace(info, options);
            }
            boolean node = !info.nodeVersion().isEmpty();
            if (trackMillis != null) {
                track(session, options);
            }
            if (gc) {
                session.collectGarbage();
            }
            MemoryUsage usage = node ? session.memoryUsage() : null;
            Headroom headroom = pid != null ? guards.checkHeadroom(pid, usage) : null;
            Path file = output != null && !Files.isDirectory(output) ? output
                    : freeName(directory, defaultName(info, pid, gzip, LocalDateTime.now())).normalize();
            boolean compress = gzip || file.getFileName().toString().endsWith(".gz");
            Capture capture;
            try (CaptureProgress progress = new CaptureProgress(err(), report.showProgress())) {
                CaptureMode mode = direct ? CaptureMode.DIRECT : stream ? CaptureMode.STREAM : CaptureMode.AUTO;
                capture = mode.take(session, file, compress, progress, options.notes());
            }
            MemoryUsage after = null;
            if (node) {
                try {
                    after = session.memoryUsage(); // after the snapshot's full collection: what is live
                } catch (IOException e) {
                    // the target went meanwhile: the figures before must do
                }
            }
            session.stopTrackingAllocations();
            return new Captured(info, session.endpoint(), usage, capture, headroom, after);
        }
    }

    /** Tracks allocations for the time asked (or until Ctrl-C); the snapshot then holds their stacks. */
    private void track(InspectorSession session, InspectorSession.Options options) throws IOException {
        session.trackAllocations();
        options.notes().accept("tracking allocations " + (trackMillis == 0 ? "until Ctrl-C"
                : "for " + WatchReport.duration(trackMillis) + " (Ctrl-C takes the snapshot sooner)")
                + "; the target runs slower meanwhile");
        if (TrackingWait.await(session, trackMillis)) {
            options.notes().accept("Ctrl-C: taking the snapshot now");
        }
    }

    /**
     * The target as our pid namespace sees it (its own says 1 for a container's main process), with a note on the
     * namespaces of its own it runs in (its network namespace, if it has one, was entered already).
     */
    private ProcessInfo inOurPidNamespace(ProcessInfo info, InspectorSession.Options options) throws IOException {
        Namespaces ns = Namespaces.of(pid);
        if (ns.ownPid() || ns.ownMnt()) {
            options.notes().accept("pid " + pid + " runs in " + ns.describe() + (ns.ownMnt() && !direct
                    ? ": the snapshot streams over the inspector, so nothing is written in its file system" : ""));
        }
        return info.pid() == pid ? info : new ProcessInfo(pid, info.title(), info.nodeVersion(), info.argv());
    }

    private InspectorSession connect(InspectorSession.Options options) throws IOException {
        if (pid != null) {
            return InspectorSession.forPid(pid, options);
        }
        if (port != null) {
            return InspectorSession.forPort(host, port, target, options);
        }
        return InspectorSession.forUrl(url, options);
    }

    /**
     * {@code <title>-<pid>-<yyyyMMdd-HHmmss>.heapsnapshot[.gz]}: the title cut down to letters, digits, {@code .},
     * {@code _} and {@code -} (not leading), at most {@value #MAX_TITLE_CHARS} of them; no pid for a target that
     * has none (a browser page).
     */
    static String defaultName(ProcessInfo info, Long givenPid, boolean gzip, LocalDateTime time) {
        String title = info.title().replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("^[-._]+|[-._]+$", "");
        if (title.length() > MAX_TITLE_CHARS) {
            title = title.substring(0, MAX_TITLE_CHARS);
        }
        if (title.isEmpty()) {
            title = info.nodeVersion().isEmpty() ? "target" : "node";
        }
        long pid = givenPid != null ? givenPid : info.pid() > 0 ? info.pid() : -1;
        return title + (pid > 0 ? "-" + pid : "") + "-" + time.format(FILE_TIME) + ".heapsnapshot"
                + (gzip ? ".gz" : "");
    }

    /** {@code name} in {@code dir}, or {@code name} with {@code -2}, {@code -3}, … before its extension if taken. */
    static Path freeName(Path dir, String name) {
        Path file = dir.resolve(name);
        int dot = name.indexOf(".heapsnapshot");
        for (int n = 2; Files.exists(file) || Files.exists(file.resolveSibling(name + ".part")); n++) {
            file = dir.resolve(name.substring(0, dot) + "-" + n + name.substring(dot));
        }
        return file;
    }

    // ---- the analysis and the report ---------------------------------------------------------------------------

    private AnalysisResult analyze(Path file) throws IOException {
        try {
            HeapGraph graph = SnapshotLoader.load(file, err(), report.showProgress());
            return Analysis.analyze(graph, report.top, report.classes);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + " (the snapshot is kept: 'leakhunt analyze " + file
                    + "' analyzes it again)", e);
        }
    }

    private static void memoryUsage(JsonGenerator g, String field, MemoryUsage u) throws IOException {
        if (u == null) {
            g.writeNullField(field);
            return;
        }
        g.writeObjectFieldStart(field);
        g.writeNumberField("rss", u.rss());
        g.writeNumberField("heapTotal", u.heapTotal());
        g.writeNumberField("heapUsed", u.heapUsed());
        g.writeNumberField("external", u.external());
        g.writeNumberField("arrayBuffers", u.arrayBuffers());
        g.writeEndObject();
    }

    /** The analysis with the process's figures after its own, so that JSON and --fail-if see them all. */
    private static AnalysisResult withMetrics(AnalysisResult r, Map<String, Long> processMetrics) {
        Map<String, Long> all = new LinkedHashMap<>(r.metrics());
        all.putAll(processMetrics);
        return new AnalysisResult(r.file(), r.nodeCount(), r.edgeCount(), r.totals(), r.groups(), r.suspects(),
                r.classes(), r.verdict(), all);
    }

    /**
     * The process, its memory after the snapshot's collection (and before it, when that differs), the triage, and
     * the file. With {@code analysis}, the triage also weighs the process's figures against the snapshot's.
     */
    static void header(PrintWriter out, Captured c, Path noAnalyzeFile, AnalysisResult analysis) {
        ProcessInfo p = c.process();
        String who = p.pid() > 0 ? "pid " + p.pid() + " (" + p.title() + ")" : "'" + p.title() + "'";
        out.println("Process " + who + (p.nodeVersion().isEmpty() ? "" : " · Node.js " + p.nodeVersion())
                + " · inspector " + c.inspector());
        MemoryUsage u = c.settled();
        if (u != null) {
            String limit = c.headroom() == null || c.headroom().limitBytes() < 0 ? ""
                    : " (of a " + Units.bytes(c.headroom().limitBytes()) + " cgroup limit)";
            out.println("  rss " + Units.bytes(u.rss()) + limit + " · heapTotal " + Units.bytes(u.heapTotal())
                    + " · heapUsed " + Units.bytes(u.heapUsed()) + " · external " + Units.bytes(u.external())
                    + " · arrayBuffers " + Units.bytes(u.arrayBuffers()));
            MemoryUsage b = c.usage();
            if (c.after() != null && b != null && (differs(b.heapUsed(), u.heapUsed())
                    || differs(b.external(), u.external()) || differs(b.arrayBuffers(), u.arrayBuffers()))) {
                out.println("  (after the snapshot's garbage collection; before it: heapUsed " + Units.bytes(b.heapUsed())
                        + " · external " + Units.bytes(b.external()) + " · arrayBuffers " + Units.bytes(b.arrayBuffers())
                        + ")");
            }
            List<String> triage = new ArrayList<>(Triage.of(figures(u)).lines(figures(u), noAnalyzeFile));
            String gap = analysis == null ? null : Triage.gap(figures(u), analysis.totals().nativeBytes());
            if (gap != null) {
                triage.add(gap);
            }
            for (int i = 0; i < triage.size(); i++) {
                out.println((i == 0 ? "  " : "          ") + triage.get(i));
            }
        }
        Capture capture = c.capture();
        out.println("Heap snapshot '" + capture.path() + "': " + Units.bytes(capture.bytes()) + ", taken in "
                + String.format(Locale.ROOT, "%.1f s", capture.millis() / 1000.0)
                + (capture.direct() ? " (written by the target)" : ""));
    }

    /** Whether two readings differ by a mebibyte or more: garbage the collection took, worth showing. */
    private static boolean differs(long before, long after) {
        return Math.abs(before - after) >= 1 << 20;
    }

    static Triage.Figures figures(MemoryUsage u) {
        return new Triage.Figures(u.rss(), u.heapTotal(), u.heapUsed(), u.external(), u.arrayBuffers());
    }

    private static JsonReport json(JsonReport json, Captured c, AnalysisResult analysis) {
        try {
            JsonGenerator g = json.generator();
            ProcessInfo p = c.process();
            g.writeObjectFieldStart("process");
            if (p.pid() > 0) {
                g.writeNumberField("pid", p.pid());
            } else {
                g.writeNullField("pid");
            }
            g.writeStringField("title", p.title());
            g.writeStringField("nodeVersion", p.nodeVersion().isEmpty() ? null : p.nodeVersion());
            g.writeStringField("inspector", c.inspector());
            MemoryUsage u = c.settled();
            memoryUsage(g, "memoryUsage", u);
            memoryUsage(g, "memoryUsageBefore", c.after() != null ? c.usage() : null);
            g.writeStringField("triage", u == null ? null : Triage.of(figures(u)).id());
            g.writeStringField("triageGap", u == null || analysis == null ? null
                    : Triage.gap(figures(u), analysis.totals().nativeBytes()));
            if (c.headroom() == null || c.headroom().limitBytes() < 0) {
                g.writeNullField("cgroupLimitBytes");
            } else {
                g.writeNumberField("cgroupLimitBytes", c.headroom().limitBytes());
            }
            g.writeEndObject();
            Capture capture = c.capture();
            g.writeObjectFieldStart("capture");
            g.writeStringField("file", capture.path().toString());
            g.writeNumberField("bytes", capture.bytes());
            g.writeNumberField("millis", capture.millis());
            g.writeBooleanField("direct", capture.direct());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return json;
    }
}
