package dev.leakhunt.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.leakhunt.analysis.Analysis;
import dev.leakhunt.analysis.AnalysisResult;
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
                "      process.memoryUsage() just before the capture",
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

    @Option(names = "--no-analyze", description = "Only take the snapshot: print where it is and its size.")
    boolean noAnalyze;

    @Mixin
    TargetGuards guards;

    @Mixin
    ReportOptions report;

    /** What the capture gave: who the target is, its memory just before, and the file. */
    record Captured(ProcessInfo process, String inspector, MemoryUsage usage, Capture capture, Headroom headroom) {
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
        MemoryUsage usage = captured.usage();
        if (usage == null && assertions.stream().anyMatch(f -> MemoryUsage.METRICS.contains(f.metric()))) {
            throw new IOException("the target at " + captured.inspector() + " is not Node.js: it has no "
                    + "process.memoryUsage() for --fail-if; the snapshot is in '" + captured.capture().path() + "'");
        }
        Map<String, Long> processMetrics = usage == null ? Map.of() : usage.metrics();
        Path file = captured.capture().path();
        if (!report.json) {
            header(out(), captured, noAnalyze ? file : null);
            out().flush();
        }
        if (noAnalyze) {
            return report.emit(this, "snapshot", processMetrics, assertions, json -> json(json, captured),
                    text -> { });
        }
        AnalysisResult result = withMetrics(analyze(file), processMetrics);
        return report.emit(this, "snapshot", result, assertions, json -> json(json, captured).analysis(result),
                text -> {
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
            return new Captured(info, session.endpoint(), usage, capture, headroom);
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

    /** The analysis with the process's figures after its own, so that JSON and --fail-if see them all. */
    private static AnalysisResult withMetrics(AnalysisResult r, Map<String, Long> processMetrics) {
        Map<String, Long> all = new LinkedHashMap<>(r.metrics());
        all.putAll(processMetrics);
        return new AnalysisResult(r.file(), r.nodeCount(), r.edgeCount(), r.totals(), r.groups(), r.suspects(),
                r.classes(), r.verdict(), all);
    }

    /** The lines above the analysis: who, its memory, the triage, and the file written. */
    static void header(PrintWriter out, Captured c, Path noAnalyzeFile) {
        ProcessInfo p = c.process();
        String who = p.pid() > 0 ? "pid " + p.pid() + " (" + p.title() + ")" : "'" + p.title() + "'";
        out.println("Process " + who + (p.nodeVersion().isEmpty() ? "" : " · Node.js " + p.nodeVersion())
                + " · inspector " + c.inspector());
        MemoryUsage u = c.usage();
        if (u != null) {
            String limit = c.headroom() == null || c.headroom().limitBytes() < 0 ? ""
                    : " (of a " + Units.bytes(c.headroom().limitBytes()) + " cgroup limit)";
            out.println("  rss " + Units.bytes(u.rss()) + limit + " · heapTotal " + Units.bytes(u.heapTotal())
                    + " · heapUsed " + Units.bytes(u.heapUsed()) + " · external " + Units.bytes(u.external())
                    + " · arrayBuffers " + Units.bytes(u.arrayBuffers()));
            List<String> triage = Triage.of(u).lines(u, noAnalyzeFile);
            for (int i = 0; i < triage.size(); i++) {
                out.println((i == 0 ? "  " : "          ") + triage.get(i));
            }
        }
        Capture capture = c.capture();
        out.println("Heap snapshot '" + capture.path() + "': " + Units.bytes(capture.bytes()) + ", taken in "
                + String.format(Locale.ROOT, "%.1f s", capture.millis() / 1000.0)
                + (capture.direct() ? " (written by the target)" : ""));
    }

    private static JsonReport json(JsonReport json, Captured c) {
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
            MemoryUsage u = c.usage();
            if (u == null) {
                g.writeNullField("memoryUsage");
                g.writeNullField("triage");
            } else {
                g.writeObjectFieldStart("memoryUsage");
                g.writeNumberField("rss", u.rss());
                g.writeNumberField("heapTotal", u.heapTotal());
                g.writeNumberField("heapUsed", u.heapUsed());
                g.writeNumberField("external", u.external());
                g.writeNumberField("arrayBuffers", u.arrayBuffers());
                g.writeEndObject();
                g.writeStringField("triage", Triage.of(u).id);
            }
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

    /**
     * What one {@code process.memoryUsage()} suggests, from its proportions alone: one sample shows where the
     * memory is, not whether it grows. {@code external} includes {@code arrayBuffers}.
     */
    enum Triage {
        /** external is larger than the whole JS heap, and not small. */
        NATIVE("native"),
        /** The JS heap is not small, holds more than external does, and is full or most of rss. */
        JS_HEAP("js-heap"),
        /** Most of rss is neither the JS heap nor external memory. */
        OUTSIDE_V8("outside-v8"),
        NONE("none");

        static final long NATIVE_MIN_BYTES = 16L << 20;
        static final double FULL_HEAP = 0.85;
        static final long JS_HEAP_MIN_BYTES = 32L << 20;
        static final long OUTSIDE_MIN_BYTES = 256L << 20;

        final String id;

        Triage(String id) {
            this.id = id;
        }

        static Triage of(MemoryUsage u) {
            long outside = u.rss() - u.heapTotal() - u.external();
            if (u.external() >= NATIVE_MIN_BYTES && u.external() > u.heapTotal()) {
                return NATIVE;
            }
            if (u.heapTotal() >= JS_HEAP_MIN_BYTES && u.heapTotal() >= u.external()
                    && (u.heapUsed() >= FULL_HEAP * u.heapTotal() || u.heapTotal() >= u.rss() / 2)) {
                return JS_HEAP;
            }
            if (outside >= OUTSIDE_MIN_BYTES && outside > u.heapTotal() + u.external()) {
                return OUTSIDE_V8;
            }
            return NONE;
        }

        /**
         * What to print, a sentence a line: where the memory is, what that would mean if it grows, where to look.
         * {@code noAnalyzeFile} is the file when no analysis follows to point at.
         */
        List<String> lines(MemoryUsage u, Path noAnalyzeFile) {
            long heapPercent = Math.round(100.0 * u.heapUsed() / Math.max(1, u.heapTotal()));
            String sample = "One sample cannot show growth ('leakhunt diff' compares two snapshots)";
            String analyze = noAnalyzeFile == null ? null : "'leakhunt analyze " + noAnalyzeFile + "'";
            return switch (this) {
                case NATIVE -> List.of(String.format(Locale.ROOT, "Triage: external memory (%s, ArrayBuffers %s) is "
                                + "%.1f× the JS heap (heapTotal %s):", Units.bytes(u.external()),
                                Units.bytes(u.arrayBuffers()), (double) u.external() / Math.max(1, u.heapTotal()),
                                Units.bytes(u.heapTotal())),
                        "if it grows while heapTotal stays flat, a native leak, which --max-old-space-size cannot "
                                + "help.",
                        sample + "; " + (analyze == null ? "the ArrayBuffer groups below show" : analyze + " shows")
                                + " what holds it.");
                case JS_HEAP -> List.of("Triage: the memory is in the JS heap (heapTotal " + Units.bytes(u.heapTotal())
                                + ", " + heapPercent + "% used, of rss " + Units.bytes(u.rss()) + "; external only "
                                + Units.bytes(u.external()) + "):",
                        "if heapUsed keeps growing, a JS-heap leak; --max-old-space-size only postpones the crash.",
                        sample + "; " + (analyze == null ? "the classes below show" : analyze + " shows")
                                + " what retains it.");
                case OUTSIDE_V8 -> List.of("Triage: " + Units.bytes(u.rss() - u.heapTotal() - u.external())
                                + " of rss is neither the JS heap nor external memory:",
                        "native allocations (addons, malloc, thread stacks) that a heap snapshot does not show.");
                case NONE -> List.of("Triage: no part stands out: JS heap " + Units.bytes(u.heapTotal()) + " ("
                        + heapPercent + "% used), external " + Units.bytes(u.external()) + ", rss "
                        + Units.bytes(u.rss()) + ".", sample + ".");
            };
        }
    }
}
