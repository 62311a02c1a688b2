package dev.leakhunt.inspector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds, opens and closes the inspector of one Node.js process, going by what {@code /proc} says the process
 * itself listens on, never by a well-known port: when 9229 is taken, SIGUSR1 opens nothing and whatever answers
 * on 9229 belongs to another process.
 */
final class PidInspector {
    private static final long POLL_MILLIS = 50;
    private static final long PROBE_TIMEOUT_MILLIS = 1500;
    private static final int SIGUSR1 = 10;
    /** How long after --timeout an inspector that opens late is still watched for, to be closed. */
    private static final long LATE_GRACE_MIN_MILLIS = 2000;
    private static final long LATE_GRACE_MAX_MILLIS = 10_000;

    private final ProcFs proc;
    private final DevToolsHttp http;

    PidInspector(ProcFs proc, DevToolsHttp http) {
        this.proc = proc;
        this.http = http;
    }

    /**
     * The Node.js inspector among the ports {@code target} listens on (each is asked for {@code /json/version}),
     * ignoring {@code skipPorts}; null if there is none.
     */
    Endpoint find(NodeProcess target, Set<Integer> skipPorts) throws IOException {
        Map<Integer, Endpoint> candidates = new LinkedHashMap<>();
        for (ListeningSocket socket : proc.listeningOf(target.pid())) {
            if (!skipPorts.contains(socket.port())) {
                candidates.putIfAbsent(socket.port(), new Endpoint(socket.connectHost(), socket.port()));
            }
        }
        Map<Endpoint, CompletableFuture<String>> probes = new LinkedHashMap<>();
        for (Endpoint endpoint : candidates.values()) {
            probes.put(endpoint, http.probe(endpoint, PROBE_TIMEOUT_MILLIS));
        }
        for (Map.Entry<Endpoint, CompletableFuture<String>> probe : probes.entrySet()) {
            try {
                String browser = probe.getValue().get(PROBE_TIMEOUT_MILLIS + 500, TimeUnit.MILLISECONDS);
                if (DevToolsHttp.isNode(browser)) {
                    return probe.getKey();
                }
            } catch (ExecutionException | TimeoutException e) {
                // not an inspector
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while looking for the inspector of pid " + target.pid());
            }
        }
        return null;
    }

    /**
     * Opens the inspector of {@code target} with SIGUSR1 and waits at most {@code timeoutMillis} for it to
     * listen. Refuses, without signalling, a process that would not survive the signal or could not open the
     * port.
     */
    Endpoint open(NodeProcess target, long timeoutMillis) throws IOException {
        return open(target, timeoutMillis, false);
    }

    /** As {@link #open(NodeProcess, long)}; {@code allowPublic} lets it open on a non-loopback address. */
    Endpoint open(NodeProcess target, long timeoutMillis, boolean allowPublic) throws IOException {
        long pid = target.pid();
        refuseUnsafeSignal(target);
        if (!allowPublic && !Endpoint.isLoopback(target.flags().host())) {
            throw new IOException("pid " + pid + " was started to open its inspector on " + target.flags().describe()
                    + ", not a loopback address: SIGUSR1 would let anyone who reaches it run code in the process "
                    + "while it is open; pass --allow-public-inspector to accept that, or start it with "
                    + "--inspect-port=127.0.0.1:0");
        }
        String conflict = conflict(target, true);
        if (conflict != null) {
            throw new IOException(cannotOpen(target, conflict));
        }
        Set<Integer> before = new HashSet<>();
        for (ListeningSocket socket : proc.listeningOf(pid)) {
            before.add(socket.port());
        }
        sendSigusr1(target);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (!target.isAlive(proc)) {
                throw new IOException("pid " + pid + " exited after SIGUSR1");
            }
            Endpoint endpoint = find(target, before);
            if (endpoint != null) {
                return endpoint;
            }
            sleep(POLL_MILLIS);
        }
        // A target slower than the timeout (a busy event loop) opens it later: watch a while longer, so that the
        // caller's closer finds it and closes it, rather than leave it open behind us
        long graceEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(
                Math.min(LATE_GRACE_MAX_MILLIS, Math.max(LATE_GRACE_MIN_MILLIS, timeoutMillis)));
        while (System.nanoTime() < graceEnd && target.isAlive(proc)) {
            if (find(target, before) != null) {
                throw new IOException("pid " + pid + " opened its inspector only after the " + Text.duration(timeoutMillis)
                        + " of --timeout; closing it again: give a longer --timeout");
            }
            sleep(POLL_MILLIS);
        }
        conflict = conflict(target, false);
        throw new IOException(conflict != null ? cannotOpen(target, conflict)
                : "pid " + pid + " opened no inspector within " + Text.duration(timeoutMillis) + " of SIGUSR1"
                + " (a SIGUSR1 listener of its own stops Node opening one); start it with --inspect=0 to open the"
                + " inspector at start, or pass --port if it listens where /proc does not show");
    }

    /**
     * Closes an inspector we opened: evaluates {@code process._debugEnd()} over {@code client} (no reply comes;
     * the socket closes) and waits at most {@code timeoutMillis} for the port to stop listening.
     */
    void close(NodeProcess target, Endpoint endpoint, CdpClient client, long timeoutMillis) throws IOException {
        try {
            client.send("Runtime.evaluate", Map.of("expression", "process._debugEnd()"));
        } catch (IOException e) {
            // The connection is gone already; whether the port closed is what counts, and is checked below.
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        client.awaitClosed(timeoutMillis);
        while (target.isAlive(proc) && listensOn(target.pid(), endpoint.port())) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the inspector of pid " + target.pid() + " at " + endpoint
                        + " is still listening " + Text.duration(timeoutMillis) + " after process._debugEnd()");
            }
            sleep(POLL_MILLIS);
        }
    }

    /** The address the target's socket on {@code port} listens on (0.0.0.0 for all interfaces), or null. */
    String listeningAddress(long pid, int port) {
        try {
            for (ListeningSocket socket : proc.listeningOf(pid)) {
                if (socket.port() == port) {
                    return socket.address();
                }
            }
        } catch (IOException e) {
            // gone
        }
        return null;
    }

    boolean listensOn(long pid, int port) {
        try {
            for (ListeningSocket socket : proc.listeningOf(pid)) {
                if (socket.port() == port) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false; // gone
        }
    }

    private void refuseUnsafeSignal(NodeProcess target) throws IOException {
        long pid = target.pid();
        String advice = "; start it with --inspect (or --inspect=0), or pass --port if its inspector is open";
        if (target.flags().sigusr1Disabled()) {
            throw new IOException("pid " + pid + " was started with --disable-sigusr1, so its inspector cannot be"
                    + " opened from outside" + advice);
        }
        if (signalBit(pid, "SigIgn")) {
            throw new IOException("pid " + pid + " ignores SIGUSR1, so its inspector cannot be opened" + advice);
        }
        if (!signalBit(pid, "SigCgt")) {
            throw new IOException("pid " + pid + " does not handle SIGUSR1 (the signal would kill it), so its"
                    + " inspector cannot be opened" + advice);
        }
    }

    /** Whether SIGUSR1's bit is set in a signal mask line of {@code /proc/<pid>/status} (hex, bit n-1). */
    private boolean signalBit(long pid, String mask) throws IOException {
        String hex;
        try {
            hex = proc.status(pid, mask);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("pid " + pid + " exited before its inspector could be opened");
        }
        if (hex == null) {
            return mask.equals("SigCgt"); // no such line: assume the usual Node.js handler
        }
        return new java.math.BigInteger(hex, 16).testBit(SIGUSR1 - 1);
    }

    /**
     * Who holds the address where SIGUSR1 would open the inspector, as a phrase, or null if it is free.
     * {@code definiteOnly} leaves out IPv6 wildcards, which block an IPv4 bind only when not v6-only.
     */
    private String conflict(NodeProcess target, boolean definiteOnly) {
        InspectorFlags flags = target.flags();
        if (flags.port() == 0) {
            return null;
        }
        Set<Long> inodes = new HashSet<>();
        try {
            for (ListeningSocket socket : proc.listeningInNamespaceOf(target.pid())) {
                boolean v4Wildcard = socket.address().equals("0.0.0.0");
                boolean sameHost = socket.connectHost().equals(flags.host()) || flags.host().equals("0.0.0.0");
                boolean v6Wildcard = socket.address().equals("::") && !definiteOnly;
                if (socket.port() == flags.port() && (v4Wildcard || sameHost || v6Wildcard)) {
                    inodes.add(socket.inode());
                }
            }
        } catch (IOException e) {
            return null;
        }
        if (inodes.isEmpty()) {
            return null;
        }
        long owner = proc.ownerOf(inodes);
        String where = flags.describe() + ", where SIGUSR1 opens its inspector,";
        if (owner == target.pid()) {
            return where + " is taken by pid " + owner + " itself";
        }
        if (owner < 0) {
            return where + " is held by another process (not visible to this user)";
        }
        String command;
        try {
            command = Text.command(proc.cmdline(owner));
        } catch (IOException e) {
            command = "'?'";
        }
        return where + " is held by pid " + owner + " (" + command + ")";
    }

    private static String cannotOpen(NodeProcess target, String conflict) {
        return "cannot open the inspector of pid " + target.pid() + ": " + conflict
                + "; start pid " + target.pid() + " with --inspect-port=0, or free the port";
    }

    /** {@code kill -USR1 <pid>}, after checking that the pid still names the process we checked. */
    private void sendSigusr1(NodeProcess target) throws IOException {
        long pid = target.pid();
        if (!target.isAlive(proc)) {
            throw new IOException("pid " + pid + " exited before it could be signalled");
        }
        List<String> command = new ArrayList<>(List.of("kill", "-USR1", Long.toString(pid)));
        Process kill;
        try {
            kill = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            kill = new ProcessBuilder("sh", "-c", "kill -USR1 \"$1\"", "sh", Long.toString(pid))
                    .redirectErrorStream(true).start();
        }
        String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int status;
        try {
            status = kill.waitFor(5, TimeUnit.SECONDS) ? kill.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending SIGUSR1 to pid " + pid);
        }
        if (status == 0) {
            return;
        }
        if (output.toLowerCase(java.util.Locale.ROOT).contains("not permitted")) {
            throw new IOException("cannot send SIGUSR1 to pid " + pid + ": permission denied; run leakhunt as"
                    + " the user that owns it (or as root), or pass --port if its inspector is open");
        }
        if (output.toLowerCase(java.util.Locale.ROOT).contains("no such process")) {
            throw new IOException("pid " + pid + " exited before it could be signalled");
        }
        throw new IOException("kill -USR1 " + pid + " failed (status " + status + "): " + output);
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
