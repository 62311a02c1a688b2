package dev.leakhunt.inspector;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A process checked to be Node.js, identified by pid and start time so that a reused pid is noticed before it
 * is signalled.
 *
 * @param exe the executable, or its {@code argv[0]} when {@code /proc/<pid>/exe} is unreadable
 */
record NodeProcess(long pid, long startTicks, String exe, List<String> argv, InspectorFlags flags) {
    /** {@code node}, {@code nodejs}, {@code node20}, {@code node-v20.11.1}; not {@code node_exporter}. */
    private static final Pattern NODE_NAME = Pattern.compile("(node|nodejs)([-_.]?v?\\d[\\w.]*)?");

    /**
     * Checks that {@code pid} is a live Node.js process whose sockets we may read.
     *
     * @throws IOException with a one-line message when it is not
     */
    static NodeProcess check(ProcFs proc, long pid) throws IOException {
        return check(proc, pid, false);
    }

    /**
     * As {@link #check(ProcFs, long)}; {@code assumeNode} takes a process whose executable is not named as Node.js
     * is (a renamed binary, an Electron app) for one.
     */
    static NodeProcess check(ProcFs proc, long pid, boolean assumeNode) throws IOException {
        if (!proc.exists(pid)) {
            throw new IOException("no process with pid " + pid);
        }
        try {
            String state = String.valueOf(proc.status(pid, "State"));
            if (state.startsWith("Z")) {
                throw new IOException("pid " + pid + " has exited (a zombie its parent has not reaped)");
            }
            if (state.startsWith("T") || state.startsWith("t")) {
                throw new IOException("pid " + pid + " is stopped (State: " + state + "), so it would open its "
                        + "inspector, and answer, only once resumed: resume it first (kill -CONT " + pid + ")");
            }
            if (proc.frozen(pid)) {
                throw new IOException("pid " + pid + " is frozen by its cgroup, so it would open its inspector, and "
                        + "answer, only once thawed: thaw it first");
            }
            long startTicks = proc.startTicks(pid);
            List<String> argv = proc.cmdline(pid);
            String exe = readExe(proc, pid);
            String argv0 = argv.isEmpty() ? "" : argv.get(0);
            // the executable is what runs; argv[0] is whatever the parent chose, and goes only when exe is unreadable
            boolean named = exe != null ? isNodeName(exe) : isNodeName(argv0);
            if (!named && !assumeNode) {
                String what = exe != null ? exe : argv.isEmpty() ? "a kernel thread" : argv0;
                String says = exe != null && isNodeName(argv0) ? ", though its command line says '" + argv0 + "'" : "";
                throw new IOException("pid " + pid + " is not a Node.js process ('" + what + "'" + says + ")");
            }
            proc.socketInodes(pid); // fails now, not halfway, when we may not look at its sockets
            InspectorFlags flags = InspectorFlags.parse(argv, proc.environ(pid, "NODE_OPTIONS"));
            return new NodeProcess(pid, startTicks, exe != null ? exe : argv0, argv, flags);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read " + e.getFile() + ": permission denied (pid " + pid
                    + " belongs to " + owner(proc, pid) + "; run leakhunt as that user or as root)");
        } catch (NoSuchFileException e) {
            throw new IOException("no process with pid " + pid + " (it exited)");
        }
    }

    static boolean isNodeName(String path) {
        if (path == null || path.isEmpty()) {
            return false;
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.endsWith(" (deleted)")) {
            name = name.substring(0, name.length() - " (deleted)".length()); // upgraded while running
        }
        return NODE_NAME.matcher(name).matches();
    }

    private static String readExe(ProcFs proc, long pid) throws IOException {
        try {
            return proc.exe(pid);
        } catch (AccessDeniedException e) {
            return null; // another user's process: argv[0] must do
        }
    }

    private static String owner(ProcFs proc, long pid) {
        try {
            String uid = proc.status(pid, "Uid");
            return uid == null ? "another user" : "uid " + uid.split("\\s+")[0];
        } catch (IOException e) {
            return "another user";
        }
    }

    /** True if this very process (same pid and start time) is still running. */
    boolean isAlive(ProcFs proc) {
        try {
            return proc.exists(pid) && proc.startTicks(pid) == startTicks
                    && !String.valueOf(proc.status(pid, "State")).startsWith("Z");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** {@code pid 1234 ('node server.js --mode leak')}. */
    String describe() {
        return "pid " + pid + " (" + Text.command(argv) + ")";
    }
}
