package dev.leakhunt.inspector;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * The resident memory of one process from {@code /proc/<pid>/status}, for {@code watch}: {@code VmRSS} and
 * {@code VmHWM} (its peak), read without disturbing the process. The process is named by pid and start time, so
 * that a pid reused after the target exited reads as the target gone.
 */
public final class ProcessMemory {
    /** One reading, in bytes. */
    public record Reading(long rssBytes, long peakRssBytes) {
    }

    private final ProcFs proc;
    private final long pid;
    private final long startTicks;
    private final List<String> argv;

    private ProcessMemory(ProcFs proc, long pid, long startTicks, List<String> argv) {
        this.proc = proc;
        this.pid = pid;
        this.startTicks = startTicks;
        this.argv = argv;
    }

    /**
     * The process {@code pid}, any program: {@code watch --no-inspector} needs nothing of Node.js.
     *
     * @throws IOException with a one-line message when there is no such process or its status is unreadable
     */
    public static ProcessMemory of(long pid) throws IOException {
        return of(ProcFs.SYSTEM, pid);
    }

    static ProcessMemory of(ProcFs proc, long pid) throws IOException {
        if (!proc.exists(pid)) {
            throw new IOException("no process with pid " + pid);
        }
        try {
            if (String.valueOf(proc.status(pid, "State")).startsWith("Z")) {
                throw new IOException("pid " + pid + " has exited (a zombie its parent has not reaped)");
            }
            ProcessMemory memory = new ProcessMemory(proc, pid, proc.startTicks(pid), proc.cmdline(pid));
            memory.read();
            return memory;
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read " + e.getFile() + ": permission denied (run leakhunt as the user"
                    + " that owns pid " + pid + ", or as root)");
        } catch (NoSuchFileException e) {
            throw new IOException("no process with pid " + pid + " (it exited)");
        }
    }

    public long pid() {
        return pid;
    }

    /** The process's start time in clock ticks since boot: with the pid, it names this process. */
    public long startTicks() {
        return startTicks;
    }

    /** {@code 'node server.js --mode leak'}, shortened to fit a line. */
    public String command() {
        return Text.command(argv);
    }

    /**
     * Reads {@code VmRSS} and {@code VmHWM}.
     *
     * @throws NoSuchFileException if the process has exited (or its pid names another process now)
     */
    public Reading read() throws IOException {
        byte[] status;
        try (InputStream in = Files.newInputStream(proc.dir(pid).resolve("status"))) {
            status = in.readAllBytes();
        }
        long rss = -1;
        long hwm = -1;
        boolean zombie = false;
        for (String line : new String(status, StandardCharsets.US_ASCII).split("\n")) {
            if (line.startsWith("VmRSS:")) {
                rss = kibLine(line);
            } else if (line.startsWith("VmHWM:")) {
                hwm = kibLine(line);
            } else if (line.startsWith("State:")) {
                zombie = line.substring(6).trim().startsWith("Z");
            }
        }
        if (zombie || rss < 0 || !sameProcess()) {
            // A zombie has no memory lines; a kernel thread neither, but of() would have failed on it.
            throw new NoSuchFileException(proc.dir(pid).toString(), null, "pid " + pid + " has exited");
        }
        return new Reading(rss, Math.max(hwm, rss));
    }

    /** True if the process (same pid and start time) is still running and not a zombie. */
    public boolean isAlive() {
        try {
            read();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean sameProcess() {
        try {
            return proc.startTicks(pid) == startTicks;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** {@code VmRSS:	  123456 kB} in bytes (the kernel's kB are KiB). */
    static long kibLine(String line) {
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        return Long.parseLong(parts[0]) * 1024;
    }
}
