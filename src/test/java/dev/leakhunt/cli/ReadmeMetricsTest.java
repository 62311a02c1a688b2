package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leakhunt.analysis.Analysis;
import dev.leakhunt.analysis.Diff;
import dev.leakhunt.analysis.Trend;
import dev.leakhunt.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's table of metrics names, per command, exactly the metrics that {@code --fail-if} knows, in their order:
 * one list in the code per result type, and the table kept to it.
 */
class ReadmeMetricsTest {
    /** The backquoted names in the README's metrics row of {@code command}. */
    private static List<String> row(String command) throws IOException {
        Path readme = Path.of("README.md");
        for (String line : Files.readAllLines(readme)) {
            if (line.startsWith("| " + command + " | ")) {
                List<String> names = new ArrayList<>();
                Matcher m = Pattern.compile("`([a-z0-9-]+)`").matcher(line);
                while (m.find()) {
                    names.add(m.group(1));
                }
                return names;
            }
        }
        throw new AssertionError("no metrics row for " + command + " in README.md");
    }

    @Test
    void theTableListsWhatFailIfKnows() throws IOException {
        assertEquals(Analysis.METRICS, row("analyze"));
        assertEquals(dev.leakhunt.inspector.MemoryUsage.METRICS, row("snapshot"), "snapshot: as analyze, and these");
        assertEquals(Diff.METRICS, row("diff"));
        assertEquals(Trend.metricNames(true), row("watch"));
    }

    /** Every metric name of every command: a one-word name in a help text counts when it is one of these. */
    private static final List<String> ALL = java.util.stream.Stream.of(Analysis.METRICS,
            dev.leakhunt.inspector.MemoryUsage.METRICS, Diff.METRICS, Trend.metricNames(true))
            .flatMap(List::stream).toList();

    /** The names a command's help lists under "Metrics for --fail-if", to the end or the exit codes, or a next paragraph. */
    private static List<String> helpMetrics(String command) {
        Cli help = Cli.run(command, "--help");
        assertEquals(0, help.exit(), help.err());
        String text = help.out();
        int from = text.indexOf("Metrics for --fail-if");
        int to = text.indexOf("Exit codes:", from) > 0 ? text.indexOf("Exit codes:", from) : text.length();
        int next = text.indexOf("--snapshot-when tests", from);
        String section = text.substring(text.indexOf('\n', from), next > 0 && next < to ? next : to);
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("(?<![-\\w.])[a-z0-9]+(?:-[a-z0-9]+)*(?![-\\w(])").matcher(section);
        while (m.find()) {
            if (!names.contains(m.group()) && (m.group().contains("-") || ALL.contains(m.group()))) {
                names.add(m.group());
            }
        }
        return names;
    }

    @Test
    void theHelpListsWhatFailIfKnows() {
        List<String> snapshot = new ArrayList<>(dev.leakhunt.inspector.MemoryUsage.METRICS);
        snapshot.addAll(Analysis.METRICS);
        assertEquals(snapshot, helpMetrics("snapshot"));
        assertEquals(Diff.METRICS, helpMetrics("diff"));
        assertEquals(Trend.metricNames(true), helpMetrics("watch"));
    }
}
