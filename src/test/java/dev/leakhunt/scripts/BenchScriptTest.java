package dev.leakhunt.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/bench and scripts/limits-check on tiny generated snapshots, so that the benchmark and the check of the
 * format's limits cannot rot between the times they are run at full size.
 */
class BenchScriptTest {
    @TempDir
    Path dir;

    private static String leakhuntCommand() {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return "java -cp " + String.join(File.pathSeparator, classpath.split(File.pathSeparator)) + " dev.leakhunt.cli.LeakHunt";
    }

    /** Runs a script with a tiny self-test, BENCH_OUT in the test's directory; returns its output, exit 0 checked. */
    private String runSelfTest(String... command) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/time")), "/usr/bin/time (Debian package time) is missing");
        Path log = dir.resolve("script.log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("BENCH_OUT", dir.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the self-test finishes");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    @Test
    void limitsCheckFindsWhatTheGeneratorWrote() throws IOException, InterruptedException {
        String log = runSelfTest("scripts/limits-check", "--self-test", "--leakhunt", leakhuntCommand());
        // five figures from the analysis, each equal to the generator's; and the 5 GiB node counted in full
        assertEquals(5, log.lines().filter(l -> l.startsWith("ok ")).count(), log);
        assertTrue(log.matches("(?s).*ok   self bytes: 53\\d{8}\\n.*"), log);
    }

    @Test
    void selfTestPrintsTheTableWithLeakhuntsFigures() throws IOException, InterruptedException {
        String log = runSelfTest("scripts/bench", "--self-test", "--strict", "--leakhunt", leakhuntCommand());
        assertTrue(log.matches("(?s).*raw read \\(cat\\)\\s+[0-9.]+\\s+[0-9]+.*"), log);
        assertTrue(log.matches("(?s).*leakhunt analyze\\s+[0-9.]+\\s+[0-9]+\\s+[0-9.]+\\s+ok.*"), log);
    }
}
