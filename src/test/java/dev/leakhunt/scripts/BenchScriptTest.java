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

/** scripts/bench on a tiny generated snapshot, so that the benchmark cannot rot between the times it is run. */
class BenchScriptTest {
    @TempDir
    Path dir;

    @Test
    void selfTestPrintsTheTableWithLeakhuntsFigures() throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/time")), "/usr/bin/time (Debian package time) is missing");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String leakhunt = "java -cp " + String.join(File.pathSeparator, classpath.split(File.pathSeparator))
                + " dev.leakhunt.cli.LeakHunt";
        ProcessBuilder pb = new ProcessBuilder("scripts/bench", "--self-test", "--strict", "--leakhunt", leakhunt)
                .redirectErrorStream(true).redirectOutput(dir.resolve("bench.log").toFile());
        pb.environment().put("BENCH_OUT", dir.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the self-test finishes");
        String log = Files.readString(dir.resolve("bench.log"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.matches("(?s).*raw read \\(cat\\)\\s+[0-9.]+\\s+[0-9]+.*"), log);
        assertTrue(log.matches("(?s).*leakhunt analyze\\s+[0-9.]+\\s+[0-9]+\\s+[0-9.]+\\s+ok.*"), log);
    }
}
