package dev.leakhunt.inspector;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code watch --then signal NAME}: a signal to the watched process, only to a Node.js process (by its executable,
 * as {@code snapshot} decides) and only to the very process watched (its start time), never to one that took its
 * pid. SIGUSR1 is not among them: it opens the inspector.
 */
public final class TargetSignal {
    /** The signals a watchdog may send. */
    public static final List<String> NAMES = List.of("TERM", "INT", "HUP", "QUIT", "KILL", "USR2", "ABRT");

    private TargetSignal() {
    }

    /** {@code NAME} without {@code SIG} and in upper case, or null when it is not one of {@link #NAMES}. */
    public static String normalize(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        n = n.startsWith("SIG") ? n.substring(3) : n;
        return NAMES.contains(n) ? n : null;
    }

    /** Fails with one line unless {@code pid} is a Node.js process we may signal. */
    public static void checkTarget(long pid, boolean assumeNode) throws IOException {
        NodeProcess.check(ProcFs.SYSTEM, pid, assumeNode);
    }

    /**
     * Sends {@code SIG<name>} to {@code pid} if it is still the process that started at {@code startTicks} and is
     * Node.js.
     *
     * @throws IOException with one line when it is not, or when the signal could not be sent
     */
    public static void send(long pid, long startTicks, String name, boolean assumeNode) throws IOException {
        NodeProcess target = NodeProcess.check(ProcFs.SYSTEM, pid, assumeNode);
        if (target.startTicks() != startTicks) {
            throw new IOException("pid " + pid + " is another process now (the watched one exited): not signalled");
        }
        Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(pid)).redirectErrorStream(true).start();
        try {
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IOException("kill -s " + name + " " + pid + " did not return");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while signalling pid " + pid);
        }
        if (kill.exitValue() != 0) {
            String said = new String(kill.getInputStream().readAllBytes()).trim();
            throw new IOException("kill -s " + name + " " + pid + " failed" + (said.isEmpty() ? "" : ": " + said));
        }
    }
}
