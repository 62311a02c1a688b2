package dev.leakhunt.cli;

import dev.leakhunt.analysis.Analysis;
import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.report.JsonReport;
import dev.leakhunt.report.TextReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = {"Analyze a heap snapshot file (.heapsnapshot, plain or gzip-compressed): the leak suspects "
                + "(what accumulates, native memory or JS objects, and the collection that holds it), the largest "
                + "groups of ArrayBuffer backing stores with their retainer chains, holder and common dominator, and "
                + "the classes that retain the most."})
final class AnalyzeCommand extends BaseCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "The heap snapshot to analyze.")
    Path file;

    @Mixin
    ReportOptions report;

    @Override
    public Integer call() throws Exception {
        List<FailIf> assertions = FailIf.parseAll(report.failIf, ReportOptions.ANALYZE_METRICS);
        HeapGraph graph = SnapshotLoader.load(file, err(), report.showProgress());
        AnalysisResult result = Analysis.analyze(graph, report.top, report.classes);
        return report.emit(this, "analyze", result, assertions, json -> json.analysis(result),
                text -> text.analysis(result));
    }

    /** Shared by commands that report one analysis. */
    static List<String> knownMetrics() {
        return new ArrayList<>(ReportOptions.ANALYZE_METRICS);
    }
}
