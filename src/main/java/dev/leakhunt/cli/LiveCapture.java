package dev.leakhunt.cli;

import dev.leakhunt.analysis.Units;
import dev.leakhunt.inspector.Capture;
import dev.leakhunt.inspector.InspectorSession;
import dev.leakhunt.inspector.ProcessInfo;
import dev.leakhunt.report.DiffReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Several heap snapshots of one running process in <b>one</b> inspector session, for {@code diff --pid}. V8 keeps
 * its object ids for as long as a session lasts and clears them when it ends, so only snapshots of one session match
 * by id. The session is opened and closed as {@code snapshot} does (SIGUSR1 if need be, the pid verified, what we
 * opened closed again, also on Ctrl-C); between snapshots it waits {@code --interval}, or runs {@code --between}.
 *
 * <p>Without {@code -o} the files go to a temporary directory, removed by {@link #close} and on Ctrl-C.
 */
final class LiveCapture implements AutoCloseable {
    private static final String[] LABELS = {"A", "B", "C"};
    /** How long Ctrl-C waits for the capture under way to stop before removing the files. */
    private static final long SHUTDOWN_WAIT_MILLIS = 3000;

    /** What to take. */
    record Plan(long pid, int snapshots, long intervalMillis, String between, boolean gc, long timeoutMillis,
                TargetGuards guards) {
    }

    private final PrintWriter err;
    private final String prefix;
    private final boolean showProgress;
    private final Path directory;
    private final boolean temporary;
    private final Thread hook = new Thread(this::onShutdown, "leakhunt-diff-cleanup");
    private volatile Process running;           // the --between command while it runs
    private volatile boolean shuttingDown;      // Ctrl-C: take no further step
    private final CountDownLatch stopped = new CountDownLatch(1); // take() has returned or thrown
    private final CountDownLatch shutdown = new CountDownLatch(1); // Ctrl-C, for a wait between snapshots

    private LiveCapture(PrintWriter err, String prefix, boolean showProgress, Path directory, boolean temporary) {
        this.err = err;
        this.prefix = prefix;
        this.showProgress = showProgress;
        this.directory = directory;
        this.temporary = temporary;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Where the snapshots go: {@code output} (created if need be), or a new temporary directory. */
    static LiveCapture in(Path output, PrintWriter err, String prefix, boolean showProgress) throws IOException {
        if (output == null) {
            return new LiveCapture(err, prefix, showProgress, Files.createTempDirectory("leakhunt-diff-"), true);
        }
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new IOException("-o '" + output + "' is not a directory (diff --pid writes a file per snapshot)");
        }
        Files.createDirectories(output);
        if (!Files.isWritable(output)) {
            throw new IOException("cannot write to '" + output.toAbsolutePath() + "': permission denied");
        }
        return new LiveCapture(err, prefix, showProgress, output, false);
    }

    /**
     * Takes the plan's snapshots and closes the session (and the inspector, if it opened it) before it returns, so
     * that the inspector is open no longer than the captures take.
     */
    DiffReport.Live take(Plan plan) throws IOException {
        try {
            return takeAll(plan);
        } finally {
            stopped.countDown();
        }
    }

    private DiffReport.Live takeAll(Plan plan) throws IOException {
        List<DiffReport.Shot> shots = new ArrayList<>();
        List<DiffReport.Step> steps = new ArrayList<>();
        InspectorSession.Options options = plan.guards().apply(InspectorSession.Options.defaults())
                .withOpenTimeoutMillis(plan.timeoutMillis())
                .withNotes(note -> {
                    err.println(prefix + note);
                    err.flush();
                });
        try (InspectorSession session = InspectorSession.forPid(plan.pid(), options)) {
            ProcessInfo info = session.processInfo();
            if (info.nodeVersion().isEmpty()) {
                throw new IOException("pid " + plan.pid() + " is not Node.js at " + session.endpoint());
            }
            err.println(prefix + "taking " + plan.snapshots() + " heap snapshots of pid " + plan.pid() + " in one "
                    + "inspector session (" + session.endpoint() + "), " + between(plan) + "; the process pauses "
                    + "during each");
            err.flush();
            for (int i = 0; i < plan.snapshots(); i++) {
                if (i > 0) {
                    steps.add(step(plan, shots.get(i - 1)));
                }
                checkNotShuttingDown();
                if (plan.gc()) {
                    session.collectGarbage();
                }
                plan.guards().checkHeadroom(plan.pid(), session.memoryUsage());
                Path file = directory.resolve(name(info, plan.pid(), LABELS[i]));
                Capture capture;
                try (CaptureProgress progress = new CaptureProgress(err, showProgress)) {
                    capture = CaptureMode.AUTO.take(session, file, false, progress, options.notes());
                }
                shots.add(new DiffReport.Shot(LABELS[i], capture.path(), capture.bytes(), capture.millis(),
                        capture.direct()));
                err.println(prefix + "snapshot " + LABELS[i] + ": " + Units.bytes(capture.bytes()) + " in "
                        + DiffReport.seconds(capture.millis()) + (temporary ? "" : " to '" + capture.path() + "'"));
                err.flush();
            }
        }
        return new DiffReport.Live(plan.pid(), shots, steps, !temporary);
    }

    private void checkNotShuttingDown() throws IOException {
        if (shuttingDown) {
            throw new IOException("interrupted");
        }
    }

    private static String between(Plan plan) {
        String wait = plan.intervalMillis() > 0 ? DiffReport.seconds(plan.intervalMillis()) + " apart" : "";
        if (plan.between() == null) {
            return wait;
        }
        return "running '" + plan.between() + "' between them" + (wait.isEmpty() ? "" : ", then waiting "
                + DiffReport.seconds(plan.intervalMillis()));
    }

    /** What happens between two snapshots: the --between command (its status reported), then the interval. */
    private DiffReport.Step step(Plan plan, DiffReport.Shot last) throws IOException {
        int status = -1;
        long millis = 0;
        if (plan.between() != null) {
            long start = System.nanoTime();
            status = run(plan.between(), plan.pid(), last);
            millis = (System.nanoTime() - start) / 1_000_000;
            err.println(prefix + "'" + plan.between() + "' exited " + status + " after " + DiffReport.seconds(millis)
                    + (status == 0 ? "" : ": the diff below may not show what the command should have caused"));
            err.flush();
        }
        checkNotShuttingDown();
        if (plan.intervalMillis() > 0) {
            try {
                if (shutdown.await(plan.intervalMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IOException("interrupted");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting between snapshots");
            }
        }
        return new DiffReport.Step(plan.between(), status, millis, plan.intervalMillis());
    }

    /**
     * Runs {@code command} with {@code sh -c}, its output on our stderr (stdout is the report's), with
     * {@code LEAKHUNT_PID} and {@code LEAKHUNT_SNAPSHOT} (the snapshot just taken) in its environment.
     */
    private int run(String command, long pid, DiffReport.Shot last) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("LEAKHUNT_PID", Long.toString(pid));
        pb.environment().put("LEAKHUNT_SNAPSHOT", last.file().toAbsolutePath().toString());
        Process p = pb.start();
        running = p;
        Thread pump = new Thread(() -> copy(p), "leakhunt-between-output");
        pump.setDaemon(true);
        pump.start();
        try {
            int status = p.waitFor();
            pump.join(2000); // a background child may hold the output open: do not wait for it
            return status;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while '" + command + "' ran");
        } finally {
            running = null;
        }
    }

    private void copy(Process p) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (err) {
                    err.println(line);
                    err.flush();
                }
            }
        } catch (IOException e) {
            // the command's output ended with it
        }
    }

    /** {@code <title>-<pid>-<yyyyMMdd-HHmmss>-A.heapsnapshot}, as {@code snapshot} names them, with the label. */
    private static String name(ProcessInfo info, long pid, String label) {
        return SnapshotCommand.defaultName(info, pid, false, LocalDateTime.now())
                .replace(".heapsnapshot", "-" + label + ".heapsnapshot");
    }

    /** Removes the temporary directory (a kept -o directory stays); the shutdown hook is no longer needed. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook runs
        }
        removeTemporary();
    }

    /**
     * Ctrl-C: no further step; the --between command is stopped; once the capture under way has failed (the
     * inspector's own hook closes the session) or a moment has passed, the temporary files go.
     */
    private void onShutdown() {
        shuttingDown = true;
        shutdown.countDown();
        Process p = running;
        if (p != null) {
            p.destroy();
        }
        try {
            stopped.await(SHUTDOWN_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeTemporary();
    }

    private void removeTemporary() {
        if (!temporary) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException | UncheckedIOException e) {
            err.println(prefix + "could not remove the temporary '" + directory + "': " + e.getMessage());
        }
    }
}
