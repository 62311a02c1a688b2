package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leakhunt.analysis.Analysis;
import dev.leakhunt.analysis.Diff;
import dev.leakhunt.analysis.Trend;
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
        assertEquals(SnapshotCommand.PROCESS_METRICS, row("snapshot"), "snapshot: as analyze, and these");
        assertEquals(Diff.METRICS, row("diff"));
        assertEquals(Trend.metricNames(true), row("watch"));
    }
}
