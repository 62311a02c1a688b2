package dev.leakhunt.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.SnapshotReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real interactive shell in a real terminal: {@code leakhunt explore} runs in a tmux pane (its own tmux server),
 * the test types with {@code send-keys} and reads the screen with {@code capture-pane}. Covers completion of
 * commands, ids shown and class names, history (Up, and the history file), Ctrl-C, the pager and Ctrl-D.
 */
class ExploreInteractiveTest {
    private static final long START_MILLIS = 90_000;
    private static final long STEP_MILLIS = 30_000;
    private static final String PROMPT = "leakhunt>";

    @TempDir
    Path dir;

    /** The tmux server's socket, in the test's directory so that nothing outlives the test. */
    private String socket() {
        return dir.resolve("tmux.sock").toString();
    }

    @AfterEach
    void stopTmux() throws Exception {
        tmux(false, "kill-server");
    }

    @Test
    void completionHistoryPagerAndControlKeys() throws Exception {
        assumeTrue(tmuxAvailable(), "tmux is not installed");
        Session session = Session.open(HeapGraph.build(new SnapshotReader(ExploreScriptTest.SAMPLE).read()));
        long storeId = session.analysis().groups().get(0).chain().get(0).node().id();
        String className = classWithUniquePrefix(session.classSummary().names());
        String classPrefix = className.substring(0, uniquePrefixLength(className, session.classSummary().names()));
        Path history = dir.resolve("history");

        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        String command = "exec " + quote(java) + " -cp " + quote(System.getProperty("java.class.path"))
                + " dev.leakhunt.cli.LeakHunt explore --history " + quote(history.toString()) + " "
                + quote(ExploreScriptTest.SAMPLE.toAbsolutePath().toString());
        tmux(true, "-f", "/dev/null", "new-session", "-d", "-s", "explore", "-x", "120", "-y", "40",
                "-c", Path.of("").toAbsolutePath().toString(), command);
        waitFor("the prompt", START_MILLIS, screen -> lastLine(screen).equals(PROMPT));

        // a command name completes
        type("chai");
        keys("Tab");
        waitFor("'chai' completed to 'chain'", STEP_MILLIS, screen -> lastLine(screen).equals(PROMPT + " chain"));
        type("@" + storeId);
        keys("Enter");
        waitFor("the chain", STEP_MILLIS, screen -> screen.contains("Retainer chain of system / JSArrayBufferData @" + storeId)
                && lastLine(screen).equals(PROMPT));

        // an id shown by the chain completes, from the shortest prefix no other id shown shares
        String shown = capture();
        String prefix = "@" + Long.toString(storeId).substring(0, uniquePrefixLength(Long.toString(storeId), idsIn(shown)));
        keys("C-l");
        waitFor("a cleared screen", STEP_MILLIS, screen -> screen.strip().equals(PROMPT));
        type("dominator " + prefix);
        keys("Tab");
        waitFor("'" + prefix + "' completed to @" + storeId, STEP_MILLIS,
                screen -> lastLine(screen).equals(PROMPT + " dominator @" + storeId));
        keys("Enter");
        waitFor("the dominators", STEP_MILLIS, screen -> screen.contains("Dominators of system / JSArrayBufferData @" + storeId)
                && lastLine(screen).equals(PROMPT));

        // a class name completes; Ctrl-C drops the line unrun
        keys("C-l");
        type("find " + classPrefix);
        keys("Tab");
        waitFor("'" + classPrefix + "' completed to '" + className + "'", STEP_MILLIS,
                screen -> lastLine(screen).equals(PROMPT + " find " + className));
        keys("C-c");
        waitFor("an empty prompt after Ctrl-C", STEP_MILLIS, screen -> lastLine(screen).equals(PROMPT));
        assertFalse(capture().contains("of class or name '" + className + "'"), "Ctrl-C ran the line:\n" + capture());

        // Up recalls the previous commands, newest first
        keys("C-l");
        keys("Up");
        waitFor("Up to recall the last command", STEP_MILLIS, screen -> lastLine(screen).equals(PROMPT + " dominator @" + storeId));
        keys("Up");
        waitFor("Up again to recall the one before", STEP_MILLIS, screen -> lastLine(screen).equals(PROMPT + " chain @" + storeId));
        keys("C-c");
        waitFor("an empty prompt", STEP_MILLIS, screen -> lastLine(screen).equals(PROMPT));

        // a long answer is paged: space shows the next page, q stops
        keys("C-l");
        type("find -n 0 (closure)");
        keys("Enter");
        waitFor("the pager", STEP_MILLIS, screen -> screen.contains("--More--"));
        int first = percent(capture());
        assertTrue(capture().contains("nodes of class or name '(closure)'"), capture());
        keys("Space");
        waitFor("the next page", STEP_MILLIS, screen -> screen.contains("--More--") && percent(screen) > first);
        keys("q");
        waitFor("the prompt after q", STEP_MILLIS, screen -> lastLine(screen).equals(PROMPT));

        // Ctrl-D leaves, and the history file keeps what ran
        keys("C-d");
        long deadline = System.currentTimeMillis() + STEP_MILLIS;
        while (tmux(false, "has-session", "-t", "explore") == 0) {
            if (System.currentTimeMillis() > deadline) {
                fail("Ctrl-D did not end the shell:\n" + capture());
            }
            Thread.sleep(100);
        }
        String saved = Files.readString(history, StandardCharsets.UTF_8);
        assertTrue(saved.contains("chain @" + storeId), saved);
        assertTrue(saved.contains("dominator @" + storeId), saved);
        assertTrue(saved.contains("find -n 0 (closure)"), saved);
        assertFalse(saved.contains("find " + className), "a cancelled line is not history: " + saved);
    }

    /** A class name without spaces or parentheses that a strict prefix of it singles out. */
    private static String classWithUniquePrefix(List<String> names) {
        for (String name : names) {
            if (name.matches("[A-Za-z][A-Za-z0-9]{5,}") && uniquePrefixLength(name, names) < name.length()) {
                return name;
            }
        }
        throw new AssertionError("no class name to complete among " + names);
    }

    /** The length of the shortest prefix of {@code word} that no other of {@code words} starts with. */
    private static int uniquePrefixLength(String word, List<String> words) {
        for (int length = 1; length <= word.length(); length++) {
            String prefix = word.substring(0, length);
            if (words.stream().filter(w -> !w.equals(word)).noneMatch(w -> w.startsWith(prefix))) {
                return length;
            }
        }
        return word.length();
    }

    private static List<String> idsIn(String screen) {
        List<String> ids = new ArrayList<>();
        Matcher m = Pattern.compile("@(\\d+)").matcher(screen);
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    private static int percent(String screen) {
        Matcher m = Pattern.compile("--More-- \\((\\d+)%").matcher(screen);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static String lastLine(String screen) {
        String[] lines = screen.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    private void type(String text) throws Exception {
        tmux(true, "send-keys", "-t", "explore", "-l", text);
    }

    private void keys(String... keys) throws Exception {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", "explore"));
        args.addAll(List.of(keys));
        tmux(true, args.toArray(String[]::new));
    }

    private String capture() throws Exception {
        Process p = new ProcessBuilder("tmux", "-S", socket(), "capture-pane", "-p", "-t", "explore")
                .redirectErrorStream(true).start();
        String screen = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return screen;
    }

    private void waitFor(String what, long timeoutMillis, Predicate<String> condition) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        String screen = capture();
        while (!condition.test(screen)) {
            if (System.currentTimeMillis() > deadline) {
                fail("waited " + timeoutMillis + " ms for " + what + "; the screen:\n" + screen);
            }
            Thread.sleep(100);
            screen = capture();
        }
    }

    private int tmux(boolean check, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux", "-S", socket()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroy();
            throw new AssertionError("tmux " + args[0] + " hangs");
        }
        if (check && p.exitValue() != 0) {
            throw new AssertionError("tmux " + String.join(" ", args) + " failed: " + output);
        }
        return p.exitValue();
    }

    private static boolean tmuxAvailable() {
        try {
            Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
