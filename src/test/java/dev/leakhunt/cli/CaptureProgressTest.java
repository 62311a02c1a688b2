package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.NodeSample;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default capture's progress on a terminal: while V8 builds the snapshot (it reports nothing to the call that
 * has the target write the file), the bar counts the target's CPU time, then the MiB written; never only "?".
 */
class CaptureProgressTest {
    private static final Pattern BUILDING = Pattern.compile("snapshot: V8 builds it \\(target CPU\\) .*? (\\d+)/\\? ms");

    @TempDir
    Path dir;

    @Test
    void theBuildingPhaseCountsTheTargetsCpuTimeThenTheBytesWritten() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        try (NodeSample sample = NodeSample.start("js-heap-leak", "leak", 6000, "--inspect-port=0")) {
            String java = ProcessHandle.current().info().command().orElse("java");
            Path err = dir.resolve("err.txt");
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    LeakHunt.class.getName(), "snapshot", Long.toString(sample.pid()), "-o",
                    dir.resolve("p.heapsnapshot").toString(), "--no-analyze")
                    .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put(BaseCommand.STDERR_TTY_ENV, "1"); // as if stderr were a terminal
            Process p = pb.start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            String text = Files.readString(err, StandardCharsets.UTF_8).replace('\r', '\n');
            assertEquals(0, p.exitValue(), text);
            Matcher m = BUILDING.matcher(text);
            long most = -1;
            while (m.find()) {
                most = Math.max(most, Long.parseLong(m.group(1)));
            }
            assertTrue(most >= 0, "the building phase is drawn: " + text);
            assertTrue(text.contains("writing "), "then the writing: " + text);
        }
    }
}
