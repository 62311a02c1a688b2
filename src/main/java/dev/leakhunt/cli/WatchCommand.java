package dev.leakhunt.cli;

import dev.leakhunt.analysis.Analysis;
import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.analysis.Trend;
import dev.leakhunt.analysis.TrendSample;
import dev.leakhunt.analysis.TrendVerdict;
import dev.leakhunt.analysis.Units;
import dev.leakhunt.analysis.WatchLoop;
import dev.leakhunt.inspector.Capture;
import dev.leakhunt.inspector.InspectorSession;
import dev.leakhunt.inspector.MemoryUsage;
import dev.leakhunt.inspector.ProcessInfo;
import dev.leakhunt.inspector.ProcessMemory;
import dev.leakhunt.inspector.TargetSignal;
import dev.leakhunt.inspector.ProgressListener;
import dev.leakhunt.report.SvgChart;
import dev.leakhunt.report.TextReport;
import dev.leakhunt.report.WatchReport;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Follow a running process's memory over time: every --interval, VmRSS and VmHWM from "
                + "/proc/<pid>/status and, through one inspector connection (opened with SIGUSR1 if need be, and "
                + "closed again at the end), process.memoryUsage(). A row per sample; at the end a least-squares "
                + "line per series and the verdict: a native leak (external/arrayBuffers grow), a JS-heap leak, RSS "
                + "growing outside V8, or stable. Samples do not disturb the target: no GC, no snapshot.",
                "The watch ends after --duration, on Ctrl-C (the verdict is still printed and the files written), "
                        + "or when the target exits."},
        footerHeading = "%nMetrics for --fail-if (slopes in bytes per hour: 'rss-slope > 50MiB/h'):%n",
        footer = {"  rss-slope, heap-total-slope, heap-used-slope, external-slope,",
                "  array-buffers-slope, outside-v8-slope (of rss - heapTotal - external)",
                "  rss-bytes, peak-rss-bytes, rss-growth-bytes (last - first), heap-total-bytes,",
                "  heap-used-bytes, external-bytes, array-buffers-bytes (of the last sample),",
                "  samples",
                "--snapshot-when tests each sample: rss-bytes, peak-rss-bytes, rss-growth-bytes,",
                "  heap-total-bytes, heap-used-bytes, external-bytes, array-buffers-bytes"})
final class WatchCommand extends BaseCommand {
    /** Below this, a sample's round trip is a fair part of the interval. */
    private static final long MIN_INTERVAL_MILLIS = 100;
    /** How long Ctrl-C waits for the verdict and files before the JVM goes anyway. */
    private static final long INTERRUPT_BUDGET_MILLIS = 10_000;

    /** Why a watch ended, as JSON says it. */
    enum Ended {
        DURATION("duration"), SNAPSHOT("snapshot"), CONDITION("condition"), TARGET_EXITED("target-exited"),
        INTERRUPTED("interrupted"),
        INSPECTOR_LOST("inspector-lost");

        final String id;

        Ended(String id) {
            this.id = id;
        }
    }

    @Parameters(index = "0", paramLabel = "PID", converter = PidConverter.class,
            description = "The Node.js process to watch.")
    long pid;

    @Option(names = "--interval", paramLabel = "TIME", defaultValue = "5s", converter = DurationConverter.class,
            description = "Time between samples: 500ms, 5s, 1m (default: ${DEFAULT-VALUE}; at least 100ms).")
    long intervalMillis;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "10m", converter = DurationConverter.class,
            description = "How long to watch: 30s, 10m, 2h; 0 until Ctrl-C or the target exits (default: "
                    + "${DEFAULT-VALUE}).")
    long durationMillis;

    @Option(names = "--no-inspector", description = "Sample /proc alone (RSS and its peak); the verdict can then only "
            + "say whether RSS grows. Any process may be watched so.")
    boolean noInspector;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long to wait for the inspector to open after SIGUSR1 (default: ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Option(names = "--keep-inspector", description = "Leave an inspector that leakhunt opened open afterwards.")
    boolean keepInspector;

    @Option(names = "--snapshot-when", paramLabel = "'METRIC OP VALUE'",
            description = "Take a heap snapshot the first time a sample meets this, e.g. 'external-bytes > 512MiB', "
                    + "analyze it, and go on watching (see --then). Repeatable: each fires once; the snapshots of one "
                    + "watch share its inspector session, so 'leakhunt diff' matches their objects by id.")
    List<String> snapshotWhen = new ArrayList<>();

    @Option(names = "--when", paramLabel = "'METRIC OP VALUE'",
            description = "A condition that fires --then without a snapshot, e.g. 'rss-bytes > 1.5GiB' (a "
                    + "watchdog). Repeatable; works with --no-inspector for rss-bytes, peak-rss-bytes and "
                    + "rss-growth-bytes.")
    List<String> when = new ArrayList<>();

    @Option(names = "--then", paramLabel = "ACTION", parameterConsumer = ThenAction.Consumer.class,
            completionCandidates = ThenAction.Candidates.class,
            description = {"What to do when a --when or --snapshot-when condition fires (after its snapshot): "
                    + "continue (the default), stop, exec 'CMD' (a shell command, with LEAKHUNT_PID, "
                    + "LEAKHUNT_METRIC and LEAKHUNT_VALUE in its environment; its output goes to stderr) or "
                    + "signal NAME (TERM, INT, HUP, QUIT, KILL, USR2, ABRT: to the target, only if it is still the "
                    + "Node.js process watched). After exec and signal the watch goes on; it ends when the target "
                    + "exits."})
    ThenAction then = ThenAction.CONTINUE;

    @Option(names = "--repeat", description = "Re-arm a condition once a sample no longer meets it, so that it fires "
            + "again (each fires once without it).")
    boolean repeat;

    @Option(names = {"-o", "--output"}, paramLabel = "PATH",
            description = "Where --snapshot-when writes: a file, or an existing directory for the default name "
                    + "<title>-<pid>-<yyyyMMdd-HHmmss>.heapsnapshot (default: the current directory).")
    Path output;

    @Option(names = "--gzip", description = "Compress the --snapshot-when snapshot while writing (adds .gz to the "
            + "default name; a -o FILE ending in .gz is compressed anyway).")
    boolean gzip;

    @Option(names = "--csv", paramLabel = "FILE", description = "Also write the samples to FILE as CSV, a row as "
            + "each is taken (bytes; UTC times).")
    Path csv;

    @Option(names = "--plot", paramLabel = "FILE.svg", description = "Draw the five series over time, with the "
            + "verdict as title, to an SVG file.")
    Path plot;

    @Mixin
    TargetGuards guards;

    @Mixin
    ReportOptions report;

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean interrupted;

    @Override
    public Integer call() throws Exception {
        List<FailIf> assertions = assertions();
        List<FailIf> triggers = triggers();
        checkOptions();
        Integer inside = noInspector ? null : NamespaceEntry.runInside(this, pid);
        if (inside != null) {
            return inside;
        }
        ProcessMemory proc = ProcessMemory.of(pid);
        InspectorSession session = null;
        PrintWriter csvOut = null;
        try {
            session = noInspector ? null : connect();
            csvOut = openCsv();
            return watch(proc, session, csvOut, assertions, triggers);
        } finally {
            if (csvOut != null) {
                csvOut.close();
            }
            if (session != null) {
                closeQuietly(session); // already closed on the normal path; here for exceptions
            }
        }
    }

    /** The inspector session; a target that is not Node.js gets the hint that /proc alone can watch it. */
    private InspectorSession connect() throws IOException {
        try {
            return InspectorSession.forPid(pid, guards.apply(InspectorSession.Options.defaults())
                    .withOpenTimeoutMillis(timeoutMillis).withKeepInspector(keepInspector)
                    .withNotes(note -> err().println(spec.qualifiedName() + ": " + note)));
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("is not a Node.js process")) {
                throw new IOException(e.getMessage() + "; 'leakhunt watch " + pid + " --no-inspector' watches its "
                        + "RSS from /proc", e);
            }
            throw e;
        }
    }

    private int watch(ProcessMemory proc, InspectorSession session, PrintWriter csvOut, List<FailIf> assertions,
                      List<FailIf> triggers) throws IOException {
        WatchReport.Target target = target(proc, session);
        WatchReport watch = new WatchReport(target, Instant.now(), intervalMillis); // within a moment of sample 0
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            interrupted = true;
            stop.countDown();
            await(finished, INTERRUPT_BUDGET_MILLIS);
        }, "leakhunt-watch-finish");
        addHook(hook);
        try {
            Sampling run = sample(proc, session, watch, csvOut, triggers);
            String closeFailure = run.closed ? run.closeFailure : close(session);
            TrendVerdict verdict = Trend.judge(run.samples);
            String ended = endedText(run);
            int status = report.emit(this, "watch", verdict.metrics(), assertions,
                    json -> watch.json(json, durationMillis, run.ended.id, run.samples, verdict, run.captures,
                            run.actions),
                    text -> {
                        watch.verdict(out(), verdict, ended);
                        sameSession(run.captures);
                        watch.actions(out(), run.actions);
                    });
            writePlot(run, watch, verdict);
            if (closeFailure != null) {
                err().println(spec.qualifiedName() + ": " + closeFailure);
            }
            status = ExitCodes.afterReport(status, closeFailure != null || run.ended == Ended.INSPECTOR_LOST
                    || run.captures.stream().anyMatch(c -> c.error() != null));
            out().flush();
            err().flush();
            return status;
        } finally {
            finished.countDown();
            removeHook(hook);
        }
    }

    /** The samples of one watch and how it ended. */
    private static final class Sampling {
        final List<TrendSample> samples = new ArrayList<>();
        Ended ended = Ended.DURATION;
        final List<WatchReport.Capture> captures = new ArrayList<>();
        final List<WatchReport.Action> actions = new ArrayList<>();
        /** Whether {@link #end} closed the session already, and why that failed (or null). */
        boolean closed;
        String closeFailure;
    }

    /**
     * Samples on {@link WatchLoop}'s schedule until the duration has passed, Ctrl-C, the target exits, or the
     * inspector connection is lost; this side does the I/O: rows, CSV, snapshots, actions, and how it ended.
     */
    private Sampling sample(ProcessMemory proc, InspectorSession session, WatchReport watch, PrintWriter csvOut,
                            List<FailIf> triggers) throws IOException {
        Sampling run = new Sampling();
        PrintWriter rows = report.json ? (stderrIsTerminal() ? err() : null) : out();
        err().println(spec.qualifiedName() + ": watching pid " + pid + " (" + proc.command().replace("'", "") + ") every "
                + WatchReport.duration(intervalMillis) + (durationMillis > 0 ? " for "
                + WatchReport.duration(durationMillis) : " until Ctrl-C") + (session == null ? ", /proc only"
                : " through the inspector at " + session.endpoint()) + "; Ctrl-C ends it with a verdict");
        header(rows, watch);
        WatchLoop.Clock clock = new WatchLoop.Clock() {
            @Override
            public long millis() {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
            }

            @Override
            public boolean pause(long millis) {
                return WatchCommand.this.pause(millis);
            }

            @Override
            public boolean interrupted() {
                return interrupted;
            }
        };
        WatchLoop<FailIf> loop = new WatchLoop<>(intervalMillis, durationMillis, triggers, WatchCommand::holds, repeat,
                then.stops(), clock);
        WatchLoop.Result<FailIf> result = loop.run(run.samples, elapsed -> take(proc, session, elapsed),
                new WatchLoop.Listener<>() {
                    @Override
                    public void sampled(TrendSample sample, List<TrendSample> samples) {
                        if (rows != null) {
                            rows.println(watch.row(sample, samples.get(0)));
                            rows.flush();
                        }
                        if (csvOut != null) {
                            csvOut.println(watch.csvRow(sample));
                            csvOut.flush();
                        }
                    }

                    @Override
                    public boolean fired(List<FailIf> met, List<TrendSample> samples, boolean moreToCome) {
                        List<FailIf> snapshotting = met.stream().filter(snapshotTriggers::contains).toList();
                        if (!snapshotting.isEmpty()) { // conditions met by one sample share its snapshot
                            run.captures.add(capture(session, snapshotting, run, watch, rows, moreToCome));
                        } else {
                            err().println(spec.qualifiedName() + ": " + why(met, run)
                                    + (then.acts() ? "" : " (--when)"));
                        }
                        if (then.acts() && !interrupted && proc.isAlive()) {
                            run.actions.add(act(met, run, proc));
                        }
                        return !interrupted && proc.isAlive();
                    }
                });
        switch (result.end()) {
            case DURATION -> run.ended = Ended.DURATION;
            case INTERRUPTED -> run.ended = Ended.INTERRUPTED;
            case STOPPED -> run.ended = result.lastFired().stream().anyMatch(snapshotTriggers::contains)
                    ? Ended.SNAPSHOT : Ended.CONDITION;
            case FAILED -> end(run, proc, session, result.failure());
            case BY_LISTENER -> end(run, proc, session, null); // Ctrl-C or the target's exit broke what fired
        }
        return run;
    }

    /** One sample: /proc first, then the inspector. */
    private TrendSample take(ProcessMemory proc, InspectorSession session, long elapsed) throws IOException {
        ProcessMemory.Reading reading = proc.read();
        if (session == null) {
            return TrendSample.rssOnly(elapsed, reading.rssBytes(), reading.peakRssBytes());
        }
        MemoryUsage usage = session.memoryUsage();
        return new TrendSample(elapsed, reading.rssBytes(), reading.peakRssBytes(), usage.heapTotal(),
                usage.heapUsed(), usage.external(), usage.arrayBuffers());
    }

    /**
     * Why sampling stopped on a failure: Ctrl-C, the target gone, or the inspector lost with the target alive. A
     * Node.js process that exits while a debugger is attached first destroys its JS context (so the sample fails
     * with "cannot find context") and then waits for the debugger to disconnect: hang up first, then look.
     */
    private void end(Sampling run, ProcessMemory proc, InspectorSession session, IOException failure) {
        if (!interrupted && session != null && !(failure instanceof NoSuchFileException)) {
            run.closeFailure = close(session);
            run.closed = true;
        }
        if (interrupted) {
            run.ended = Ended.INTERRUPTED;
        } else if (failure instanceof NoSuchFileException || exits(proc)) {
            run.ended = Ended.TARGET_EXITED;
            long last = run.samples.isEmpty() ? 0 : run.samples.get(run.samples.size() - 1).elapsedMillis();
            err().println(spec.qualifiedName() + ": pid " + pid + " exited after " + WatchReport.duration(last)
                    + "; the verdict rests on the samples before");
        } else if (failure != null) {
            run.ended = Ended.INSPECTOR_LOST;
            err().println(spec.qualifiedName() + ": lost the inspector of pid " + pid + ": " + failure.getMessage()
                    + "; the verdict rests on the samples before");
        }
    }

    /**
     * Whether the target is exiting, waiting up to 2 s: a killed process closes its sockets (so the inspector
     * connection drops) a moment before {@code /proc} shows it gone, and one that waited for us to disconnect needs
     * a moment to finish.
     */
    private static boolean exits(ProcessMemory proc) {
        for (int i = 0; i < 80; i++) {
            if (!proc.isAlive()) {
                return true;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private String endedText(Sampling run) {
        long elapsed = run.samples.isEmpty() ? 0 : run.samples.get(run.samples.size() - 1).elapsedMillis();
        String after = WatchReport.duration(elapsed);
        return switch (run.ended) {
            case DURATION -> "watched for " + after;
            case SNAPSHOT -> "stopped after the snapshot, at " + after;
            case CONDITION -> "stopped when the condition was met, at " + after;
            case TARGET_EXITED -> "pid " + pid + " exited after " + after;
            case INTERRUPTED -> "interrupted after " + after;
            case INSPECTOR_LOST -> "inspector lost after " + after;
        };
    }

    /** Waits until the next sample is due; true if Ctrl-C came first. */
    private boolean pause(long millis) {
        if (millis <= 0) {
            return interrupted;
        }
        try {
            return stop.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private static void header(PrintWriter rows, WatchReport watch) {
        if (rows != null) {
            rows.println(watch.header());
            rows.flush();
        }
    }

    // ---- the action -------------------------------------------------------------------------------------------

    /** The longest an --then exec command may run before it is stopped (the watch waits for it). */
    private static final long EXEC_TIMEOUT_MINUTES = 10;

    /** {@code rss-bytes > 1.5GiB (rss-bytes is 1.6 GiB)}, for each condition met. */
    private String why(List<FailIf> met, Sampling run) {
        Map<String, Number> values = Trend.lastValues(run.samples, run.samples.get(run.samples.size() - 1).hasV8());
        return met.stream().map(t -> t.text() + " (" + t.metric() + " is "
                + Units.bytes(values.get(t.metric()).longValue()) + ")").collect(Collectors.joining(", "));
    }

    /**
     * Runs --then exec or signal once for the conditions {@code met}; says what happened on stderr. The first
     * condition's metric and value go to the command's environment.
     */
    private WatchReport.Action act(List<FailIf> met, Sampling run, ProcessMemory proc) {
        TrendSample at = run.samples.get(run.samples.size() - 1);
        Map<String, Number> values = Trend.lastValues(run.samples, at.hasV8());
        String trigger = met.stream().map(FailIf::text).collect(Collectors.joining(", "));
        String prefix = spec.qualifiedName() + ": ";
        if (then.kind().equals("signal")) {
            try {
                TargetSignal.send(pid, proc.startTicks(), then.argument(), guards.assumeNode);
                err().println(prefix + "sent SIG" + then.argument() + " to pid " + pid);
                return new WatchReport.Action(at.elapsedMillis(), trigger, "signal", then.argument(), -1, null);
            } catch (IOException e) {
                err().println(prefix + e.getMessage());
                return new WatchReport.Action(at.elapsedMillis(), trigger, "signal", then.argument(), -1,
                        e.getMessage());
            }
        }
        FailIf first = met.get(0);
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", then.argument()).redirectErrorStream(true);
        pb.environment().put("LEAKHUNT_PID", Long.toString(pid));
        pb.environment().put("LEAKHUNT_METRIC", first.metric());
        pb.environment().put("LEAKHUNT_VALUE", Long.toString(values.get(first.metric()).longValue()));
        err().println(prefix + "running '" + then.argument() + "'");
        err().flush();
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            try (java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(
                    p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    err().println("  | " + line); // the command's output; stdout stays the report's
                }
            }
            if (!p.waitFor(EXEC_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                String error = "did not end within " + EXEC_TIMEOUT_MINUTES + " minutes (stopped)";
                err().println(prefix + "'" + then.argument() + "' " + error);
                return new WatchReport.Action(at.elapsedMillis(), trigger, "exec", then.argument(), -1, error);
            }
            err().println(prefix + "'" + then.argument() + "' exited " + p.exitValue());
            return new WatchReport.Action(at.elapsedMillis(), trigger, "exec", then.argument(), p.exitValue(), null);
        } catch (IOException e) {
            err().println(prefix + "could not run '" + then.argument() + "': " + e.getMessage());
            return new WatchReport.Action(at.elapsedMillis(), trigger, "exec", then.argument(), -1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new WatchReport.Action(at.elapsedMillis(), trigger, "exec", then.argument(), -1, "interrupted");
        }
    }

    // ---- the snapshot -----------------------------------------------------------------------------------------

    private static boolean holds(FailIf trigger, List<TrendSample> samples) {
        Number value = Trend.lastValues(samples, samples.get(samples.size() - 1).hasV8()).get(trigger.metric());
        return value != null && trigger.holds(value.doubleValue());
    }

    /**
     * Takes, writes and analyzes one heap snapshot as {@code snapshot} does. A failure is kept in the result and
     * said on stderr; the watch goes on (the exit status will be 3).
     */
    private WatchReport.Capture capture(InspectorSession session, List<FailIf> met, Sampling run, WatchReport watch,
                                        PrintWriter rows, boolean moreToCome) {
        TrendSample at = run.samples.get(run.samples.size() - 1);
        Map<String, Number> values = Trend.lastValues(run.samples, true);
        String prefix = spec.qualifiedName() + ": ";
        Path file = snapshotFile(session);
        String triggers = met.stream().map(FailIf::text).collect(Collectors.joining(", "));
        String why = met.stream().map(t -> t.text() + " (" + t.metric() + " is "
                + Units.bytes(values.get(t.metric()).longValue()) + ")").collect(Collectors.joining(", "));
        err().println(prefix + why + ": taking a heap snapshot of pid " + pid + " to '" + file + "' (the process "
                + "pauses meanwhile)");
        Capture capture;
        try {
            guards.checkHeadroom(pid, session.memoryUsage());
            capture = CaptureMode.AUTO.take(session, file, gzip || file.getFileName().toString().endsWith(".gz"),
                    ProgressListener.NONE, note -> err().println(prefix + note));
        } catch (IOException e) {
            err().println(prefix + e.getMessage());
            return new WatchReport.Capture(at.elapsedMillis(), triggers, null, 0, 0, null, e.getMessage());
        }
        err().println(prefix + "wrote '" + capture.path() + "' (" + Units.bytes(capture.bytes()) + " in "
                + WatchReport.duration(capture.millis()) + (capture.direct() ? ", written by the target" : "") + ")");
        AnalysisResult analysis;
        try {
            analysis = Analysis.analyze(SnapshotLoader.load(capture.path(), err(), report.showProgress()), report.top,
                    report.classes);
        } catch (IOException e) {
            err().println(prefix + e.getMessage());
            return new WatchReport.Capture(at.elapsedMillis(), triggers, capture.path().toString(),
                    capture.bytes(), capture.millis(), null, e.getMessage());
        }
        if (!report.json) {
            out().println();
            out().println("Heap snapshot at " + WatchReport.clock(at.elapsedMillis(), intervalMillis < 1000) + " ("
                    + triggers + ")");
            new TextReport(out()).analysis(analysis);
            if (!then.stops() || moreToCome) {
                out().println();
                header(rows, watch); // the rows go on below
            }
        }
        return new WatchReport.Capture(at.elapsedMillis(), triggers, capture.path().toString(), capture.bytes(),
                capture.millis(), analysis, null);
    }

    /**
     * After the verdict: with two snapshots or more, that they share the watch's inspector session, so that
     * {@code diff} compares them by id.
     */
    private void sameSession(List<WatchReport.Capture> captures) {
        List<String> files = captures.stream().filter(c -> c.file() != null && c.error() == null)
                .map(c -> "'" + c.file() + "'").toList();
        if (files.size() < 2) {
            return;
        }
        out().println();
        out().println("The " + files.size() + " snapshots share one inspector session, so their objects match by id: "
                + "leakhunt diff " + String.join(" ", files.subList(Math.max(0, files.size() - 3), files.size())));
    }

    /**
     * {@code -o} as given, or {@code snapshot}'s default name in {@code -o DIR} or the current directory, with
     * {@code -2}, {@code -3} when a snapshot of the same second has it.
     */
    private Path snapshotFile(InspectorSession session) {
        if (output != null && !Files.isDirectory(output)) {
            return output;
        }
        ProcessInfo info;
        try {
            info = session.processInfo();
        } catch (IOException e) {
            info = new ProcessInfo(pid, "", "v", List.of()); // named "node" then
        }
        String name = SnapshotCommand.defaultName(info, pid, gzip, LocalDateTime.now());
        return SnapshotCommand.freeName(output != null ? output : Path.of(""), name);
    }

    // ---- options and files ------------------------------------------------------------------------------------

    private List<FailIf> assertions() {
        List<String> known = Trend.metricNames(!noInspector);
        for (String text : report.failIf) {
            FailIf f = FailIf.parse(text);
            if (noInspector && Trend.metricNames(true).contains(f.metric()) && !known.contains(f.metric())) {
                throw new UsageException("--fail-if '" + text + "' needs the inspector (" + f.metric()
                        + " comes from process.memoryUsage()); drop --no-inspector");
            }
        }
        return FailIf.parseAll(report.failIf, known);
    }

    /** The --snapshot-when conditions among the triggers (the rest are --when's). */
    private final List<FailIf> snapshotTriggers = new ArrayList<>();

    private List<FailIf> triggers() {
        List<FailIf> conditions = new ArrayList<>();
        for (String w : when) {
            FailIf f = FailIf.parse(w);
            List<String> known = Trend.lastValueNames(!noInspector);
            if (!known.contains(f.metric())) {
                throw new UsageException("unknown metric '" + f.metric() + "' in --when '" + w + "'; known: "
                        + String.join(", ", known) + (noInspector && Trend.lastValueNames(true).contains(f.metric())
                        ? " (" + f.metric() + " needs the inspector; drop --no-inspector)" : ""));
            }
            if (w.contains("/")) {
                throw new UsageException("bad --when '" + w + "': a sample's figures are bytes, not rates");
            }
            conditions.add(f);
        }
        List<FailIf> snapshots = snapshotConditions();
        snapshotTriggers.addAll(snapshots);
        conditions.addAll(snapshots);
        return conditions;
    }

    private List<FailIf> snapshotConditions() {
        if (snapshotWhen.isEmpty()) {
            return List.of();
        }
        if (noInspector) {
            throw new UsageException("--snapshot-when needs the inspector; drop --no-inspector");
        }
        if (snapshotWhen.size() > 1 && output != null && !Files.isDirectory(output)) {
            throw new UsageException("with several --snapshot-when, -o names an existing directory ('" + output
                    + "' is not one)");
        }
        List<FailIf> triggers = new ArrayList<>();
        for (String when : snapshotWhen) {
            FailIf f = FailIf.parse(when);
            List<String> known = Trend.lastValueNames(true);
            if (!known.contains(f.metric())) {
                throw new UsageException("unknown metric '" + f.metric() + "' in --snapshot-when '" + when
                        + "'; known: " + String.join(", ", known));
            }
            if (when.contains("/")) {
                throw new UsageException("bad --snapshot-when '" + when + "': a sample's figures are bytes, not rates");
            }
            triggers.add(f);
        }
        return triggers;
    }

    private void checkOptions() throws IOException {
        if (intervalMillis < MIN_INTERVAL_MILLIS) {
            throw new UsageException("--interval " + WatchReport.duration(intervalMillis) + " is too short (at least "
                    + WatchReport.duration(MIN_INTERVAL_MILLIS) + ")");
        }
        if (timeoutMillis <= 0) {
            throw new UsageException("--timeout must be more than 0");
        }
        if (snapshotWhen.isEmpty() && (output != null || gzip)) {
            throw new UsageException("-o and --gzip go with --snapshot-when");
        }
        if (snapshotWhen.isEmpty() && when.isEmpty() && (then != ThenAction.CONTINUE || repeat)) {
            throw new UsageException("--then and --repeat go with --when or --snapshot-when");
        }
        if (then.kind().equals("signal")) {
            TargetSignal.checkTarget(pid, guards.assumeNode); // now, not when it fires
        }
        if (plot != null) {
            String name = plot.getFileName().toString().toLowerCase(Locale.ROOT);
            if (!name.endsWith(".svg")) {
                throw new UsageException("--plot writes SVG: name the file .svg ('" + plot + "')");
            }
            ensureWritableDirectory(plot);
        }
        if (output != null) {
            ensureWritableDirectory(Files.isDirectory(output) ? output.resolve("snapshot") : output);
        }
    }

    /** Fails now, not after a ten-minute watch, when {@code file} cannot be created. */
    private static void ensureWritableDirectory(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("cannot write '" + file + "': no such directory '" + dir + "'");
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("cannot write '" + file + "': permission denied");
        }
    }

    private PrintWriter openCsv() throws IOException {
        if (csv == null) {
            return null;
        }
        try {
            BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8);
            PrintWriter p = new PrintWriter(w);
            p.println(WatchReport.csvHeader());
            p.flush();
            return p;
        } catch (AccessDeniedException e) {
            throw new IOException("cannot write '" + csv + "': permission denied");
        } catch (NoSuchFileException e) {
            throw new IOException("cannot write '" + csv + "': no such directory");
        }
    }

    /** The chart, written whole to a sibling file and renamed, so that a chart on disk is never half-written. */
    private void writePlot(Sampling run, WatchReport watch, TrendVerdict verdict) throws IOException {
        if (plot == null) {
            return;
        }
        Path part = plot.resolveSibling(plot.getFileName() + ".part");
        long[] marks = run.captures.stream().mapToLong(WatchReport.Capture::atMillis).toArray();
        String svg = SvgChart.render(run.samples, verdict, watch.chartSubtitle(run.samples.size()), marks);
        try {
            Files.writeString(part, svg, StandardCharsets.UTF_8);
            Files.move(part, plot, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(part);
            throw new IOException("cannot write '" + plot + "': " + e.getMessage(), e);
        }
        err().println(spec.qualifiedName() + ": wrote the chart to '" + plot + "'");
    }

    // ---- the target and the inspector -------------------------------------------------------------------------

    private WatchReport.Target target(ProcessMemory proc, InspectorSession session) throws IOException {
        if (session == null) {
            return new WatchReport.Target(pid, proc.command(), null, null, null, false);
        }
        ProcessInfo info = session.processInfo();
        return new WatchReport.Target(pid, proc.command(), info.title(), info.nodeVersion(), session.endpoint(),
                session.openedInspector());
    }

    /** Closes the session (and so an inspector we opened); returns why that failed, or null. */
    private static String close(InspectorSession session) {
        if (session == null) {
            return null;
        }
        try {
            session.close();
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static void closeQuietly(InspectorSession session) {
        try {
            session.close();
        } catch (IOException e) {
            // reported by close() on the normal path; on an exception path the exception says more
        }
    }

    private static void addHook(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the loop sees nothing new and the session's own hook closes the inspector
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook is running, and returns now that we are finished
        }
    }

    private static void await(CountDownLatch latch, long millis) {
        try {
            latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
