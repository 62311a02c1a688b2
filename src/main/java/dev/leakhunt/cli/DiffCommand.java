package dev.leakhunt.cli;

import dev.leakhunt.analysis.Diff;
import dev.leakhunt.analysis.DiffBaseline;
import dev.leakhunt.analysis.DiffInterval;
import dev.leakhunt.analysis.DiffResult;
import dev.leakhunt.report.DiffReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Compare heap snapshots of one process by node id: the objects new in the later snapshot, "
                + "grouped by retainer chain (backing stores first), with a chain and the common dominator of each "
                + "group; backing-store groups that grew or shrank; what was freed, by class.",
                "With three snapshots A B C: the objects allocated between A and B that are still alive in C.",
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

    @Parameters(arity = "2..3", paramLabel = "A B [C]", hideParamSyntax = true,
            description = "Two snapshots of one process (earlier, later) or three (before an action, after it, after "
                    + "it should have released its memory); .heapsnapshot, plain or gzip-compressed.")
    List<Path> files;

    @Mixin
    ReportOptions report;

    @Override
    public Integer call() throws Exception {
        List<FailIf> assertions = FailIf.parseAll(report.failIf, Diff.METRICS);
        for (Path file : files) {
            ensureReadableFile(file);
        }
        DiffBaseline first = baseline(files.get(0));
        DiffInterval interval = files.size() == 3 ? interval(first, files.get(1)) : null;
        DiffResult result = Diff.compare(first, interval,
                SnapshotLoader.load(files.get(files.size() - 1), err(), report.showProgress()), report.top,
                report.classes);
        warn(result, interval);
        DiffReport diff = new DiffReport(result);
        return report.emit(this, "diff", result.metrics(), assertions, diff::json, text -> diff.text(out()));
    }

    /** Loads the first snapshot and keeps only what the diff needs; its graph is garbage on return. */
    private DiffBaseline baseline(Path file) throws IOException {
        return Diff.baseline(SnapshotLoader.load(file, err(), report.showProgress()));
    }

    private DiffInterval interval(DiffBaseline first, Path file) throws IOException {
        return Diff.interval(first, SnapshotLoader.load(file, err(), report.showProgress()));
    }

    /** One line on stderr when the ids do not match, or the snapshots look given in the wrong order. */
    private void warn(DiffResult result, DiffInterval interval) {
        String prefix = spec.qualifiedName() + ": ";
        if (result.mode() == DiffResult.Mode.TOTALS) {
            boolean middle = interval != null && !interval.identity().sameProcess();
            DiffResult.Identity id = middle ? interval.identity() : result.identity();
            Path other = middle ? files.get(1) : files.get(files.size() - 1);
            err().println(prefix + "the node ids of '" + files.get(0) + "' and '" + other + "' do not name the same "
                    + "objects (" + describe(id) + "): different processes, or an inspector session ended between the "
                    + "snapshots, which resets V8's ids; comparing class and backing-store totals instead");
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
