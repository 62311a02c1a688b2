package dev.leakhunt.cli;

import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.report.JsonReport;
import dev.leakhunt.report.TextReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The output options every reporting command shares: --json, --top, --classes, --fail-if, --no-progress. */
final class ReportOptions {
    static final List<String> ANALYZE_METRICS = dev.leakhunt.analysis.Analysis.METRICS;

    @Option(names = "--json", description = "Print one JSON document (schema leakhunt/1) on stdout instead of text.")
    boolean json;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    int top;
    int classes;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10",
            description = "How many buffer groups, and leak suspects, to show (default: ${DEFAULT-VALUE}; 0 shows "
                    + "no group, and the top suspect only).")
    void top(int n) {
        top = atLeastZero("--top", n);
    }

    @Option(names = "--classes", paramLabel = "N", defaultValue = "10",
            description = "How many classes to show in the class summary (default: ${DEFAULT-VALUE}; 0 shows none).")
    void classes(int n) {
        classes = atLeastZero("--classes", n);
    }

    private int atLeastZero(String option, int n) {
        if (n < 0) {
            throw new ParameterException(spec.commandLine(), option + " takes a count from 0, not " + n);
        }
        return n;
    }

    @Option(names = "--fail-if", paramLabel = "'METRIC OP VALUE'",
            description = {"Exit 1 when the assertion holds, e.g. 'native-bytes > 512MiB'; repeatable. Metrics are "
                    + "the names under \"metrics\" in the JSON output; values take units (512MiB, 2GB, 10k)."})
    List<String> failIf = new ArrayList<>();

    @Option(names = "--no-progress", description = "Never draw a progress bar (drawn on stderr only when it is a terminal).")
    boolean noProgress;

    boolean showProgress() {
        return !noProgress && !json && BaseCommand.stderrIsTerminal();
    }

    /** Prints the result as JSON or text, then checks the assertions: the command's exit code. */
    int emit(BaseCommand command, String name, AnalysisResult result, List<FailIf> assertions,
             Consumer<JsonReport> jsonBody, Consumer<TextReport> textBody) {
        return emit(command, name, result.metrics(), assertions, jsonBody, textBody);
    }

    /** As above, for any command's named figures. */
    int emit(BaseCommand command, String name, Map<String, ? extends Number> metrics, List<FailIf> assertions,
             Consumer<JsonReport> jsonBody, Consumer<TextReport> textBody) {
        List<String> held = FailIf.check(assertions, metrics, command.err(), command.spec.qualifiedName());
        if (json) {
            try (JsonReport report = new JsonReport(command.out(), name)) {
                jsonBody.accept(report);
                report.failed(held);
            }
        } else {
            textBody.accept(new TextReport(command.out()));
        }
        command.out().flush();
        return held.isEmpty() ? ExitCodes.OK : ExitCodes.ASSERTION;
    }
}
