package dev.leakhunt.cli;

import dev.leakhunt.inspector.Namespaces;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command that reaches a target's inspector inside the target's network namespace, when the target has one
 * of its own (a container). Its inspector listens on its own loopback, which no socket of ours can reach, and Java
 * cannot move one thread into another namespace ({@code setns} applies to a thread, and the JVM's are many). So
 * leakhunt runs itself again under {@code nsenter --net=/proc/<pid>/ns/net}: the same command, the same JVM and
 * arguments, in our mount and pid namespaces but the target's network. Nothing is relayed, so the inspector is
 * never reachable from anywhere it was not already; the target's file system is never written (snapshots stream
 * over the inspector when its mount namespace is not ours). Entering needs root (or CAP_SYS_ADMIN).
 *
 * <p>The inner run's output is passed through; Ctrl-C reaches it too (it is in our process group), and we wait for
 * it to close what it opened before we exit.
 */
final class NamespaceEntry {
    /** How long Ctrl-C waits for the inner run to close the inspector and remove its files. */
    private static final long SHUTDOWN_WAIT_SECONDS = 30;

    private NamespaceEntry() {
    }

    /**
     * Null when the target shares our network namespace, or this run is already inside it: go on here. Otherwise
     * runs this command inside it and returns its exit status.
     */
    static Integer runInside(BaseCommand command, long pid) throws IOException {
        Namespaces ns;
        try {
            ns = Namespaces.of(pid);
        } catch (IOException e) {
            return null; // the target's own checks say what is wrong with it
        }
        String inside = System.getenv(Namespaces.INSIDE_ENV);
        if (!ns.ownNet()) {
            return null;
        }
        if (inside != null) {
            throw new IOException("could not enter the network namespace of pid " + pid + " (still outside it after "
                    + "nsenter)");
        }
        PrintWriter err = command.err();
        err.println(command.spec.qualifiedName() + ": pid " + pid + " runs in " + ns.describe()
                + "; continuing inside its network namespace (nsenter --net=" + ns.netFile() + ")");
        err.flush();
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + ns.netFile(), "--"));
        argv.add(ProcessHandle.current().info().command().orElse("java"));
        argv.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), LeakHunt.class.getName()));
        argv.addAll(command.spec.root().commandLine().getParseResult().originalArgs());
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put(Namespaces.INSIDE_ENV, Long.toString(pid));
        if (BaseCommand.stderrIsTerminal()) {
            pb.environment().put(BaseCommand.STDERR_TTY_ENV, "1"); // its stderr is our pipe: progress still shows
        }
        Process inner;
        try {
            inner = pb.start();
        } catch (IOException e) {
            throw new IOException("pid " + pid + " runs in " + ns.describe() + ", and entering it needs nsenter "
                    + "(util-linux), which could not run: " + e.getMessage());
        }
        Thread hook = new Thread(() -> stop(inner), "leakhunt-stop-inner");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            StringBuilder nsenterFailure = new StringBuilder();
            Thread outPump = pump(inner.getInputStream(), command.out(), null);
            Thread errPump = pump(inner.getErrorStream(), err, nsenterFailure);
            int status = inner.waitFor();
            outPump.join();
            errPump.join();
            if (nsenterFailure.length() > 0) {
                throw new IOException("cannot enter the network namespace of pid " + pid + " ("
                        + nsenterFailure.toString().replaceFirst("^nsenter: ", "").trim() + "); it needs root (or "
                        + "CAP_SYS_ADMIN): run leakhunt as root on the host, or inside the container");
            }
            return status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(inner);
            throw new IOException("interrupted");
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook runs
            }
        }
    }

    /** Ctrl-C, or our end: the inner run gets SIGINT (if the terminal did not send it already) and a moment. */
    private static void stop(Process inner) {
        if (!inner.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(inner.pid())).start().waitFor(5, TimeUnit.SECONDS);
            if (!inner.waitFor(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
                inner.destroyForcibly();
            }
        } catch (IOException e) {
            inner.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Copies what the inner run writes, as it comes (progress bars redraw with \r), to {@code to}. With
     * {@code nsenterFailure}, a first line from nsenter itself (it could not enter) is kept there instead.
     */
    private static Thread pump(InputStream from, PrintWriter to, StringBuilder nsenterFailure) {
        Thread t = new Thread(() -> {
            char[] buf = new char[8192];
            try (Reader r = new InputStreamReader(from, StandardCharsets.UTF_8)) {
                if (nsenterFailure != null) {
                    StringBuilder first = new StringBuilder();
                    for (int c; (c = r.read()) >= 0 && c != '\n'; ) {
                        first.append((char) c);
                    }
                    if (first.toString().startsWith("nsenter: ")) {
                        nsenterFailure.append(first);
                    } else if (first.length() > 0 || r.ready()) {
                        synchronized (to) {
                            to.println(first);
                            to.flush();
                        }
                    }
                }
                for (int n; (n = r.read(buf)) >= 0; ) {
                    synchronized (to) {
                        to.write(buf, 0, n);
                        to.flush();
                    }
                }
            } catch (IOException e) {
                // the inner run ended
            }
        }, "leakhunt-inner-output");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
