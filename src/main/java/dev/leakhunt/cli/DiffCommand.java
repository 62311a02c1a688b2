package dev.leakhunt.cli;

import dev.leakhunt.analysis.Diff;
import dev.leakhunt.analysis.DiffBaseline;
import dev.leakhunt.analysis.DiffInterval;
import dev.leakhunt.analysis.DiffResult;
import dev.leakhunt.report.DiffReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Compare heap snapshots of one process by node id: the objects new in the later snapshot, "
                + "grouped by retainer chain (backing stores first), with a chain and the common dominator of each "
                + "group; backing-store groups that grew or shrank; what was freed, by class.",
                "With three snapshots A B C: the objects allocated between A and B that are still alive in C.",
                "With --pid, takes the snapshots of a running Node.js process itself, in one inspector session, so "
                        + "that their ids match: --interval apart, or around a --between command (a load script).",
                "When the ids do not name the same objects (snapshots of different processes, or an inspector "
                        + "session ended between them, which resets V8's ids), class and backing-store totals are "
                        + "compared instead."},
        footerHeading = "%nMetrics for --fail-if:%n",
        footer = {"  growth-bytes          self bytes of the new objects (with C: those alive in C)",
                "  new-objects           how many new objects",
                "  new-native-bytes      bytes of the new ArrayBuffer backing stores",
                "  largest-growth-bytes  bytes of the largest group of new objects",
                "  largest-growth-count  members of that group",
                "  freed-objects         objects of the first snapshot gone from the last",
                "  freed-bytes           their self bytes"})
final class DiffCommand extends BaseCommand {
    /** --interval when neither it nor --between is given. */
    private static final long DEFAULT_INTERVAL_MILLIS = 10_000;

    @Parameters(arity = "0..3", paramLabel = "A B [C]", hideParamSyntax = true,
            description = "Two snapshots of one process (earlier, later) or three (before an action, after it, after "
                    + "it should have released its memory); .heapsnapshot, plain or gzip-compressed.")
    List<Path> files = new ArrayList<>();

    @Option(names = "--pid", paramLabel = "PID", converter = PidConverter.class,
            description = "Take the snapshots of this Node.js process now, in one inspector session (opened with "
                    + "SIGUSR1 if need be, and closed again), instead of reading files.")
    Long pid;

    @Option(names = "--snapshots", paramLabel = "2|3", defaultValue = "2",
            description = "With --pid: how many snapshots; 3 shows what was allocated between the first two and "
                    + "survives in the third (default: ${DEFAULT-VALUE}).")
    int snapshots;

    @Option(names = "--interval", paramLabel = "TIME", converter = DurationConverter.class,
            description = "With --pid: the time between snapshots, e.g. 30s, 5m (default: 10s, or none with "
                    + "--between).")
    Long intervalMillis;

    @Option(names = "--between", paramLabel = "'CMD'",
            description = "With --pid: a shell command run after each snapshot but the last (a load script), its "
                    + "output on stderr and its exit status reported; it gets LEAKHUNT_PID and LEAKHUNT_SNAPSHOT.")
    String between;

    @Option(names = "--gc", description = "With --pid: a full garbage collection in the target before each snapshot.")
    boolean gc;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR",
            description = "With --pid: keep the snapshots in DIR (created if need be); without it they are temporary "
                    + "and removed.")
    Path output;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "10s", converter = DurationConverter.class,
            description = "With --pid: how long to wait for the inspector to open after SIGUSR1 (default: "
                    + "${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Mixin
    TargetGuards guards;

    @Mixin
    ReportOptions report;

    @Override
    public Integer call() throws Exception {
        List<FailIf> assertions = FailIf.parseAll(report.failIf, Diff.METRICS);
        checkArguments();
        if (pid == null) {
            for (Path file : files) {
                ensureReadableFile(file);
            }
            return compare(files, null, assertions);
        }
        Integer inside = NamespaceEntry.runInside(this, pid);
        if (inside != null) {
            return inside;
        }
        long interval = intervalMillis != null ? intervalMillis : between == null ? DEFAULT_INTERVAL_MILLIS : 0;
        try (LiveCapture capture = LiveCapture.in(output, err(), spec.qualifiedName() + ": ",
                report.showProgress())) {
            DiffReport.Live live = capture.take(new LiveCapture.Plan(pid, snapshots, interval, between, gc, timeoutMillis, guards));
            return compare(live.shots().stream().map(DiffReport.Shot::file).toList(), live, assertions);
        }
    }

    private void checkArguments() {
        if (pid == null) {
            if (files.size() > 3) {
                throw new UsageException("give two or three snapshot files, not " + files.size());
            }
            if (files.size() < 2) {
                throw new UsageException(files.isEmpty() ? "give two or three snapshot files, or --pid PID"
                        : "give a second snapshot file to compare '" + files.get(0) + "' with, or --pid PID");
            }
            List<String> liveOnly = new ArrayList<>();
            if (intervalMillis != null) {
                liveOnly.add("--interval");
            }
            if (between != null) {
                liveOnly.add("--between");
            }
            if (gc) {
                liveOnly.add("--gc");
            }
            if (output != null) {
                liveOnly.add("-o");
            }
            if (spec.commandLine().getParseResult().hasMatchedOption("--snapshots")) {
                liveOnly.add("--snapshots");
            }
            if (spec.commandLine().getParseResult().hasMatchedOption("--timeout")) {
                liveOnly.add("--timeout");
            }
            if (!liveOnly.isEmpty()) {
                throw new UsageException(String.join(", ", liveOnly) + " go" + (liveOnly.size() == 1 ? "es" : "")
                        + " with --pid (files were given)");
            }
            return;
        }
        if (!files.isEmpty()) {
            throw new UsageException("give snapshot files or --pid, not both");
        }
        if (snapshots != 2 && snapshots != 3) {
            throw new UsageException("--snapshots must be 2 or 3, not " + snapshots);
        }
        if (between != null && between.isBlank()) {
            throw new UsageException("--between needs a command");
        }
    }

    private int compare(List<Path> paths, DiffReport.Live live, List<FailIf> assertions) throws IOException {
        DiffBaseline first = Diff.baseline(SnapshotLoader.load(paths.get(0), err(), report.showProgress()));
        DiffInterval interval = paths.size() == 3
                ? Diff.interval(first, SnapshotLoader.load(paths.get(1), err(), report.showProgress())) : null;
        DiffResult result = Diff.compare(first, interval,
                SnapshotLoader.load(paths.get(paths.size() - 1), err(), report.showProgress()), report.top,
                report.classes);
        warn(result, interval, paths, live != null);
        DiffReport diff = new DiffReport(result, live);
        return report.emit(this, "diff", result.metrics(), assertions, diff::json, text -> diff.text(out()));
    }

    /** One line on stderr when the ids do not match, or the snapshots look given in the wrong order. */
    private void warn(DiffResult result, DiffInterval interval, List<Path> paths, boolean live) {
        String prefix = spec.qualifiedName() + ": ";
        if (result.mode() == DiffResult.Mode.TOTALS) {
            boolean middle = interval != null && !interval.identity().sameProcess();
            DiffResult.Identity id = middle ? interval.identity() : result.identity();
            if (live) {
                err().println(prefix + "the node ids of snapshots taken in one inspector session do not match ("
                        + describe(id) + "): was the process restarted in between? Comparing class and "
                        + "backing-store totals instead");
                return;
            }
            Path other = middle ? paths.get(1) : paths.get(paths.size() - 1);
            err().println(prefix + "the node ids of '" + paths.get(0) + "' and '" + other + "' do not name the same "
                    + "objects (" + describe(id) + "): different processes, or an inspector session ended between the "
                    + "snapshots, which resets V8's ids; comparing class and backing-store totals instead (diff --pid "
                    + "takes snapshots whose ids match)");
            return;
        }
        if (result.identity().looksSwapped() || interval != null && interval.identity().looksSwapped()) {
            err().println(prefix + "the later snapshot's new ids are mostly older than the first one's: were the "
                    + "snapshots given in the order they were taken?");
        }
    }

    private static String describe(DiffResult.Identity id) {
        if (id.sharedIds() == 0) {
            return "they share no node ids";
        }
        if (id.checkedIds() == 0) {
            return "they share " + id.sharedIds() + " node ids";
        }
        return "of the ids both hold, " + Math.round(100.0 * id.agreeingIds() / id.checkedIds())
                + "% of those sampled agree";
    }
}
