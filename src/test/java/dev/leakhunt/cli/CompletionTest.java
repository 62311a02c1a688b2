package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.NodeSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The completion script, run in bash: a pid completes to the Node.js processes running now (snapshot, watch, diff
 * --pid), never to others, and --then offers its words in lower case.
 */
class CompletionTest {
    @TempDir
    Path dir;

    /** What bash completes for {@code words} (the last one being completed). */
    private List<String> complete(Path script, String... words) throws Exception {
        String array = String.join(" ", Arrays.stream(words).map(w -> "'" + w + "'").toList());
        Process bash = new ProcessBuilder("bash", "-c", "source '" + script + "' 2>/dev/null; COMP_WORDS=(" + array
                + "); COMP_CWORD=" + (words.length - 1) + "; _complete_leakhunt 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\"")
                .redirectErrorStream(true).start();
        assertTrue(bash.waitFor(30, TimeUnit.SECONDS));
        return new String(bash.getInputStream().readAllBytes()).lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void pidsCompleteToTheNodeProcessesRunningNow() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        Cli r = Cli.run("generate-completion");
        assertEquals(0, r.exit(), r.toString());
        Path script = Files.writeString(dir.resolve("leakhunt.bash"), r.out());
        Process sleep = new ProcessBuilder("sleep", "60").start();
        try (NodeSample js = NodeSample.start("js-heap-leak", "fixed", 0)) {
            String pid = Long.toString(js.pid());
            for (String[] words : new String[][] {{"leakhunt", "snapshot", ""}, {"leakhunt", "watch", ""},
                {"leakhunt", "diff", "--pid", ""}}) {
                List<String> offered = complete(script, words);
                assertTrue(offered.contains(pid), String.join(" ", words) + ": " + offered);
                assertFalse(offered.contains(Long.toString(sleep.pid())), "not Node.js: " + offered);
                assertFalse(offered.contains(Long.toString(ProcessHandle.current().pid())), "not Node.js: " + offered);
            }
            assertEquals(List.of("continue", "stop", "exec", "signal"),
                    complete(script, "leakhunt", "watch", pid, "--then", ""));
        } finally {
            sleep.destroyForcibly();
        }
    }
}
