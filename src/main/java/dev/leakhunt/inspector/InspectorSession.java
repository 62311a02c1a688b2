package dev.leakhunt.inspector;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A DevTools Protocol session with one running Node.js process (or, by port or URL, any DevTools target), for
 * {@code memoryUsage()} samples and heap snapshots.
 *
 * <pre>{@code
 * try (InspectorSession session = InspectorSession.forPid(1234, InspectorSession.Options.defaults())) {
 *     MemoryUsage usage = session.memoryUsage();
 *     Capture capture = session.captureHeapSnapshot(Path.of("app.heapsnapshot"), false, ProgressListener.NONE);
 * }
 * }</pre>
 *
 * <p><b>By pid</b> ({@link #forPid}): the pid must be a live Node.js process ({@code /proc/<pid>/exe} or
 * {@code argv[0]} named {@code node}); its inspector is found among the ports the process itself listens on,
 * or, if it has none, opened with SIGUSR1 and waited for. Whatever answers, the session checks that its
 * {@code process.pid} is the pid. An inspector the session opened is closed again by {@link #close()} (with
 * {@code process._debugEnd()}, then waiting until the port stops listening), or by a shutdown hook if the JVM
 * exits first, as on Ctrl-C; one that was open before is left open, and so is ours with
 * {@link Options#keepInspector()}.
 *
 * <p><b>By port or URL</b> ({@link #forPort}, {@link #forUrl}): the first {@code "node"} target of
 * {@code /json/list}, else the first {@code "page"} (a Chromium started with {@code --remote-debugging-port}), or
 * the target with the given id. Nothing is checked, opened or closed. The host is 127.0.0.1 unless one is given.
 *
 * <p><b>For watch</b>: keep one session and call {@link #memoryUsage()} repeatedly; each call is one small
 * {@code Runtime.evaluate} round trip on the same connection.
 *
 * <p>Every failure is an {@link IOException} with a one-line, lower-case message that names the pid or port and
 * says what to do. A session is meant for one thread; {@link #close()} may come from another.
 */
public final class InspectorSession implements AutoCloseable {

    /**
     * @param openTimeoutMillis         how long to wait for the inspector to listen after SIGUSR1, and to close
     * @param requestTimeoutMillis      how long any one command or HTTP request may take
     * @param snapshotIdleTimeoutMillis how long a heap snapshot (or a forced GC) may go without any message
     * @param keepInspector             leave an inspector we opened open after the session
     * @param notes                     receives one-line notes of what was done ("opened the inspector …")
     */
    public record Options(long openTimeoutMillis, long requestTimeoutMillis, long snapshotIdleTimeoutMillis,
                          boolean keepInspector, Consumer<String> notes, boolean assumeNode,
                          boolean allowPublicInspector) {
        public Options {
            Objects.requireNonNull(notes, "notes");
        }

        public static Options defaults() {
            return new Options(10_000, 10_000, 120_000, false, note -> { }, false, false);
        }

        public Options withOpenTimeoutMillis(long millis) {
            return new Options(millis, requestTimeoutMillis, snapshotIdleTimeoutMillis, keepInspector, notes,
                    assumeNode, allowPublicInspector);
        }

        public Options withRequestTimeoutMillis(long millis) {
            return new Options(openTimeoutMillis, millis, snapshotIdleTimeoutMillis, keepInspector, notes, assumeNode,
                    allowPublicInspector);
        }

        public Options withSnapshotIdleTimeoutMillis(long millis) {
            return new Options(openTimeoutMillis, requestTimeoutMillis, millis, keepInspector, notes, assumeNode,
                    allowPublicInspector);
        }

        public Options withKeepInspector(boolean keep) {
            return new Options(openTimeoutMillis, requestTimeoutMillis, snapshotIdleTimeoutMillis, keep, notes,
                    assumeNode, allowPublicInspector);
        }

        public Options withNotes(Consumer<String> listener) {
            return new Options(openTimeoutMillis, requestTimeoutMillis, snapshotIdleTimeoutMillis, keepInspector,
                    listener, assumeNode, allowPublicInspector);
        }

        /** Takes a process whose executable is not named as Node.js is (a renamed binary) for Node.js. */
        public Options withAssumeNode(boolean assume) {
            return new Options(openTimeoutMillis, requestTimeoutMillis, snapshotIdleTimeoutMillis, keepInspector,
                    notes, assume, allowPublicInspector);
        }

        /**
         * Lets SIGUSR1 open an inspector on the non-loopback address the target was started with
         * ({@code --inspect-port=0.0.0.0:0}): anyone who reaches it can run code in the process meanwhile.
         */
        public Options withAllowPublicInspector(boolean allow) {
            return new Options(openTimeoutMillis, requestTimeoutMillis, snapshotIdleTimeoutMillis, keepInspector,
                    notes, assumeNode, allow);
        }
    }

    private final CdpClient client;
    private final Endpoint endpoint;
    private final Options options;
    private final PidTarget pidTarget; // null when connected by port or URL
    private boolean heapProfilerEnabled;
    private volatile boolean tracking;
    private volatile boolean targetExiting;
    /** The target's v8.writeHeapSnapshot call, while it may run: its descriptor is its own until it returns. */
    private volatile CompletableFuture<Map<String, Object>> targetWrite;

    /** What a session by pid knows besides its connection. */
    private record PidTarget(ProcFs proc, NodeProcess process, boolean opened, InspectorCloser closer,
                             TargetLock lock) {
    }

    private InspectorSession(CdpClient client, Endpoint endpoint, Options options, PidTarget pidTarget) {
        this.client = client;
        this.endpoint = endpoint;
        this.options = options;
        this.pidTarget = pidTarget;
    }

    /** Connects to the inspector of Node.js process {@code pid}, opening it with SIGUSR1 if need be. */
    public static InspectorSession forPid(long pid, Options options) throws IOException {
        return forPid(ProcFs.SYSTEM, pid, options);
    }

    static InspectorSession forPid(ProcFs proc, long pid, Options options) throws IOException {
        NodeProcess target = NodeProcess.check(proc, pid, options.assumeNode());
        Namespaces namespaces = Namespaces.of(proc, pid);
        if (namespaces.ownNet()) {
            // its loopback is not ours: 127.0.0.1:<port> here is another process, or nothing
            throw new IOException("pid " + pid + " runs in " + namespaces.describe() + ", whose loopback this process "
                    + "cannot reach; run leakhunt as root, which enters it, or inside the container");
        }
        TargetLock lock = TargetLock.acquire(target, options.openTimeoutMillis());
        try {
            DevToolsHttp http = new DevToolsHttp(DevToolsHttp.newClient(options.requestTimeoutMillis()),
                    options.requestTimeoutMillis());
            PidInspector inspector = new PidInspector(proc, http);
            Endpoint endpoint = inspector.find(target, java.util.Set.of());
            boolean opened = endpoint == null;
            InspectorCloser closer = opened && !options.keepInspector()
                    ? new InspectorCloser(inspector, target, http, options) : null;
            if (opened) {
                try {
                    endpoint = inspector.open(target, options.openTimeoutMillis(), options.allowPublicInspector());
                } catch (IOException | RuntimeException e) {
                    if (closer != null) {
                        closer.closeQuietly();
                    }
                    throw e;
                }
                options.notes().accept("opened the inspector of pid " + pid + " on " + endpoint + " with SIGUSR1");
                if (closer != null) {
                    closer.opened(endpoint);
                }
            }
            String address = inspector.listeningAddress(pid, endpoint.port());
            if (address != null && !Endpoint.isLoopback(address)) {
                options.notes().accept("warning: the inspector of pid " + pid + " listens on " + address + ":"
                        + endpoint.port() + ", not only on loopback: anyone who reaches that address can run code in the "
                        + "process while it is open" + (opened ? " (--allow-public-inspector)" : ""));
            }
            String description = "the inspector of pid " + pid + " at " + endpoint;
            CdpClient client = null;
            try {
                client = TargetChoice.connect(http, endpoint, null, description, options.requestTimeoutMillis());
                if (closer != null) {
                    closer.hold(client);
                }
                InspectorSession session = new InspectorSession(client, endpoint, options,
                        new PidTarget(proc, target, opened, closer, lock));
                session.verifyPid(namespaces.innerPid());
                return session;
            } catch (IOException | RuntimeException e) {
                if (closer != null) {
                    closer.closeQuietly();
                }
                if (client != null) {
                    client.close();
                }
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Connects to the DevTools endpoint at {@code host} (127.0.0.1 if null) and {@code port}. */
    public static InspectorSession forPort(String host, int port, String targetId, Options options)
            throws IOException {
        Endpoint endpoint = new Endpoint(host == null || host.isBlank() ? Endpoint.LOOPBACK : host, port);
        DevToolsHttp http = new DevToolsHttp(DevToolsHttp.newClient(options.requestTimeoutMillis()),
                options.requestTimeoutMillis());
        return new InspectorSession(TargetChoice.connect(http, endpoint, targetId, "the inspector at " + endpoint,
                options.requestTimeoutMillis()), endpoint, options, null);
    }

    /** {@link #forPort(String, int, String, Options)} with default options. */
    public static InspectorSession forPort(String host, int port, String targetId) throws IOException {
        return forPort(host, port, targetId, Options.defaults());
    }

    /**
     * Connects to {@code url}: a target's {@code ws://host:port/<id>} WebSocket URL, or an endpoint's
     * {@code http://host:port}.
     */
    public static InspectorSession forUrl(URI url, Options options) throws IOException {
        String scheme = String.valueOf(url.getScheme()).toLowerCase(java.util.Locale.ROOT);
        if (url.getHost() == null || url.getPort() < 0 && !scheme.startsWith("ws")) {
            throw new IOException("not an inspector url: '" + url + "' (expected ws://host:port/<id>)");
        }
        int port = url.getPort() >= 0 ? url.getPort() : scheme.equals("wss") ? 443 : 80;
        Endpoint endpoint = new Endpoint(url.getHost().replace("[", "").replace("]", ""), port);
        if (scheme.equals("http") || scheme.equals("https")) {
            return forPort(endpoint.host(), port, null, options);
        }
        if (!scheme.equals("ws") && !scheme.equals("wss")) {
            throw new IOException("not an inspector url: '" + url + "' (expected ws://host:port/<id>)");
        }
        HttpClient http = DevToolsHttp.newClient(options.requestTimeoutMillis());
        return new InspectorSession(CdpClient.connect(http, url, "the inspector at " + url,
                options.requestTimeoutMillis()), endpoint, options, null);
    }

    /** The targets an endpoint offers ({@code /json/list}), for choosing a target id. */
    public static List<InspectorTarget> listTargets(String host, int port, Options options) throws IOException {
        Endpoint endpoint = new Endpoint(host == null || host.isBlank() ? Endpoint.LOOPBACK : host, port);
        return new DevToolsHttp(DevToolsHttp.newClient(options.requestTimeoutMillis()),
                options.requestTimeoutMillis()).list(endpoint);
    }

    private void verifyPid(long pid) throws IOException {
        Object value = evaluate("process.pid", options.requestTimeoutMillis());
        if (!(value instanceof Long actual)) {
            throw new IOException(client.description() + " is not a Node.js inspector (process.pid is "
                    + JsonTree.abbreviate(value) + ")");
        }
        if (actual != pid) {
            if (pidTarget.closer() != null) {
                pidTarget.closer().forget(); // _debugEnd() would close the other process's inspector
            }
            long hostPid = pidTarget.process().pid();
            throw new IOException("the inspector at " + endpoint + " belongs to pid " + actual + ", not " + hostPid
                    + (pid != hostPid ? " (pid " + pid + " in its pid namespace)" : ""));
        }
    }

    /** Where the session is connected, e.g. {@code 127.0.0.1:9229}. */
    public String endpoint() {
        return endpoint.authority();
    }

    /** Whether this session opened the inspector (with SIGUSR1) rather than finding it open. */
    public boolean openedInspector() {
        return pidTarget != null && pidTarget.opened();
    }

    /** Whether the connection is still open; false once the target exited or closed it. */
    public boolean isConnected() {
        return client.isOpen();
    }

    /** {@code process.memoryUsage()} of the target. */
    public MemoryUsage memoryUsage() throws IOException {
        Object json = evaluate("JSON.stringify(process.memoryUsage())", options.requestTimeoutMillis());
        if (!(json instanceof String text)) {
            throw new IOException(client.description() + " has no process.memoryUsage() (not a Node.js target)");
        }
        Map<String, Object> usage = JsonTree.object(JsonTree.parse(text), "process.memoryUsage()");
        String what = "process.memoryUsage() of " + client.description();
        return new MemoryUsage(JsonTree.number(usage, "rss", what), JsonTree.number(usage, "heapTotal", what),
                JsonTree.number(usage, "heapUsed", what), JsonTree.number(usage, "external", what),
                JsonTree.number(usage, "arrayBuffers", what));
    }

    /** The target's pid, title, Node.js version and arguments. */
    public ProcessInfo processInfo() throws IOException {
        Object json = evaluate("JSON.stringify(typeof process === 'object' && process && process.versions"
                + " ? {pid: process.pid, title: process.title, version: process.version, argv: process.argv}"
                + " : {pid: -1, title: String(globalThis.document ? document.title : ''), version: '', argv: []})",
                options.requestTimeoutMillis());
        Map<String, Object> info = JsonTree.object(JsonTree.parse(String.valueOf(json)), "process info");
        String what = "process info of " + client.description();
        List<String> argv = info.get("argv") instanceof List<?> list
                ? list.stream().map(String::valueOf).toList() : List.of();
        return new ProcessInfo(JsonTree.number(info, "pid", what), JsonTree.string(info, "title", what),
                JsonTree.string(info, "version", what), argv);
    }

    /**
     * Has V8 record the stack of every allocation from now on ({@code HeapProfiler.startTrackingHeapObjects} with
     * {@code trackAllocations}), so that the next snapshot holds them. The target runs slower until
     * {@link #stopTrackingAllocations}, which {@link #close} calls too (and V8 stops it when the connection ends).
     */
    public void trackAllocations() throws IOException {
        enableHeapProfiler();
        // a Node.js target that wants to exit waits for its debugger to disconnect: it says so when asked (a
        // browser does not know the domain), and the wait then ends rather than keep it alive
        client.on("NodeRuntime.waitingForDisconnect", event -> targetExiting = true);
        try {
            client.call("NodeRuntime.notifyWhenWaitingForDisconnect", Map.of("enabled", true),
                    options.requestTimeoutMillis());
        } catch (IOException e) {
            if (!client.isOpen()) {
                throw e;
            }
        }
        tracking = true; // before the call: a reply lost to a timeout may still have started it
        client.call("HeapProfiler.startTrackingHeapObjects", Map.of("trackAllocations", true),
                options.requestTimeoutMillis());
    }

    /** Whether the target is exiting and waits for this session to disconnect (Node.js, while tracking). */
    public boolean targetExiting() {
        return targetExiting;
    }

    /** Whether allocations are being tracked (see {@link #trackAllocations}). */
    public boolean tracking() {
        return tracking;
    }

    /**
     * Stops tracking allocations, without the snapshot that {@code stopTrackingHeapObjects} would take:
     * {@code HeapProfiler.disable} stops the tracking (the snapshot, if wanted, is taken before).
     */
    public void stopTrackingAllocations() throws IOException {
        if (!tracking) {
            return;
        }
        client.call("HeapProfiler.disable", Map.of(), options.requestTimeoutMillis());
        heapProfilerEnabled = false;
        tracking = false;
    }

    /** Runs a full garbage collection in the target ({@code HeapProfiler.collectGarbage}). */
    public void collectGarbage() throws IOException {
        enableHeapProfiler();
        client.call("HeapProfiler.collectGarbage", Map.of(), options.snapshotIdleTimeoutMillis());
    }

    /**
     * Takes a heap snapshot and writes it to {@code out} (gzip-compressed if {@code gzip}), owner-only. The text
     * goes to {@code <out>.part} as it arrives, which is renamed to {@code out} once complete, and deleted on
     * any failure. The target is paused while V8 builds the snapshot.
     */
    public Capture captureHeapSnapshot(Path out, boolean gzip, ProgressListener progress) throws IOException {
        enableHeapProfiler();
        SnapshotFile file = SnapshotFile.create(out, gzip);
        Thread hook = new Thread(file::abort, "leakhunt-delete-partial-snapshot");
        Hooks.add(hook);
        try {
            return SnapshotCapture.run(client, file, progress == null ? ProgressListener.NONE : progress,
                    options.snapshotIdleTimeoutMillis());
        } catch (IOException e) {
            throw explainCaptureFailure(e, out);
        } finally {
            Hooks.remove(hook);
        }
    }

    /**
     * Whether {@link #writeHeapSnapshotInTarget} can work here: a process found by pid, on our file system, whose
     * user can write the files we create (ours, or root).
     */
    public boolean canWriteInTarget() {
        if (pidTarget == null) {
            return false;
        }
        long pid = pidTarget.process().pid();
        return pidTarget.proc().sharesRoot(pid) && pidTarget.proc().canWriteOurFiles(pid);
    }

    /**
     * The target's {@code v8.writeHeapSnapshot()} threw before it wrote anything, and not for want of space: it
     * could not open the file.
     */
    public static final class NothingWritten extends IOException {
        private static final long serialVersionUID = 1L;

        NothingWritten(String message) {
            super(message);
        }
    }

    /**
     * Has the target write the heap snapshot itself, with {@code v8.writeHeapSnapshot()} run through
     * {@code Runtime.evaluate}, instead of streaming it over the inspector. V8 then writes its text straight to
     * the file, as it does for the process's own snapshots: the target spends about a quarter less CPU and time than
     * on the protocol's chunks, and nothing passes through leakhunt. The file is {@code <out>.part}, created here
     * owner-only beforehand (V8 truncates and fills it, keeping its permissions), renamed to {@code out} once the
     * call returns, and deleted on any failure; its growth is reported as {@link ProgressListener#writing}, from 0
     * at the start.
     *
     * <p>Only for a process found by pid whose file system is ours ({@code /proc/<pid>/root} is {@code /}): a
     * target in another mount namespace would write somewhere else. It needs a target that can write to the
     * file, so the same user, and it cannot compress.
     *
     * @throws NothingWritten if the target's call threw before writing anything, and not for a full disk (nothing
     *                        to clean up but our {@code .part}, which is gone): the caller may stream instead
     */
    public Capture writeHeapSnapshotInTarget(Path out, ProgressListener progress) throws IOException {
        if (pidTarget == null) {
            throw new IOException("the target cannot write the heap snapshot itself: it was reached by port or url, "
                    + "so its file system may not be this one; give its pid");
        }
        long pid = pidTarget.process().pid();
        if (!pidTarget.proc().sharesRoot(pid)) {
            throw new IOException("pid " + pid + " cannot write the heap snapshot itself: its file system is not "
                    + "this one (another mount namespace, e.g. a container); leave out --direct");
        }
        SnapshotFile file = SnapshotFile.create(out, false);
        Thread hook = new Thread(file::abort, "leakhunt-delete-partial-snapshot");
        Hooks.add(hook);
        try {
            return writeInTarget(file, progress == null ? ProgressListener.NONE : progress);
        } catch (IOException e) {
            file.abort();
            String left = releaseTargetFile(pid, file.part());
            IOException explained = explainCaptureFailure(e, out);
            throw left == null ? explained : new IOException(explained.getMessage() + "; " + left, e);
        } catch (RuntimeException e) {
            file.abort();
            releaseTargetFile(pid, file.part());
            throw e;
        } finally {
            Hooks.remove(hook);
        }
    }

    private Capture writeInTarget(SnapshotFile file, ProgressListener progress) throws IOException {
        long start = System.nanoTime();
        String path = file.part().toAbsolutePath().toString();
        String expression = "require('v8').writeHeapSnapshot(" + JsonTree.toJson(path) + ")";
        CompletableFuture<Map<String, Object>> reply = targetWrite = client.send("Runtime.evaluate", Map.of("expression",
                expression, "includeCommandLineAPI", true, "returnByValue", true));
        long idleNanos = TimeUnit.MILLISECONDS.toNanos(options.snapshotIdleTimeoutMillis());
        // V8 reports nothing while it builds the snapshot: the target's CPU time shows it at work, and a target that
        // spends none and writes nothing (stopped, frozen) is given up after the idle timeout, before the first byte too
        long targetPid = pidTarget.process().pid();
        long cpuStart = pidTarget.proc().cpuMillis(targetPid);
        long cpuSeen = cpuStart;
        long cpuMoved = System.nanoTime();
        long size = 0;
        long grew = System.nanoTime();
        Map<String, Object> result = null;
        while (result == null) {
            try {
                result = reply.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long now;
                try {
                    now = Files.size(file.part());
                } catch (java.nio.file.NoSuchFileException gone) {
                    now = size; // Ctrl-C's hook removed it: the target writes on, and the session waits for it
                }
                long cpu = pidTarget.proc().cpuMillis(targetPid);
                if (cpu != cpuSeen) {
                    cpuSeen = cpu;
                    cpuMoved = System.nanoTime();
                }
                if (size == 0 && now == 0) {
                    if (cpuStart >= 0) {
                        progress.busy(Math.max(0, cpu - cpuStart));
                    }
                    if (System.nanoTime() - cpuMoved > idleNanos) {
                        String state = String.valueOf(pidTarget.proc().status(targetPid, "State"));
                        throw new IOException("pid " + targetPid + " made no progress on the heap snapshot for "
                                + Text.duration(options.snapshotIdleTimeoutMillis()) + " (no CPU time, nothing written"
                                + (state.startsWith("T") || state.startsWith("t") ? "; it is stopped, State: " + state
                                : "") + ")");
                    }
                }
                if (now != size) {
                    size = now;
                    grew = System.nanoTime();
                    progress.writing(size);
                } else if (size > 0 && System.nanoTime() - grew > idleNanos) {
                    throw new IOException(client.description() + " wrote nothing to '" + file.part() + "' for "
                            + Text.duration(options.snapshotIdleTimeoutMillis()) + " while writing the heap snapshot");
                }
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the target wrote the heap snapshot");
            }
        }
        String thrown = thrown(result);
        if (thrown != null) {
            String message = client.description() + " could not write the heap snapshot: " + thrown;
            // A full disk fails a stream as surely: only a file the target could not open is worth streaming.
            boolean noSpace = thrown.contains("ENOSPC") || thrown.contains("EDQUOT");
            throw Files.size(file.part()) == 0 && !noSpace ? new NothingWritten(message) : new IOException(message);
        }
        Object value = JsonTree.object(result.get("result"), "Runtime.evaluate result").get("value");
        if (!path.equals(value)) {
            throw new IOException(client.description() + " wrote the heap snapshot to '" + value + "', not '"
                    + path + "'");
        }
        long written = Files.size(file.part());
        if (written == 0) {
            throw new IOException(client.description() + " wrote an empty heap snapshot");
        }
        progress.writing(written);
        long bytes = file.commit();
        return new Capture(file.out(), bytes, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), true);
    }

    /**
     * After a failed write in the target: V8 leaves the file open when a write fails (a full disk), so the deleted
     * {@code .part} keeps its blocks until the service exits. Truncates it through {@code /proc/<pid>/fd} (which
     * frees them at once) and has the target close the descriptor. Null when nothing was left open, else what could
     * not be done.
     */
    private String releaseTargetFile(long pid, Path part) {
        CompletableFuture<Map<String, Object>> write = targetWrite;
        if (write == null || !write.isDone()) {
            return null; // still writing (or never started): the descriptor is V8's to close
        }
        String name = part.toAbsolutePath().toString();
        List<Integer> left = new java.util.ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> fds = Files.newDirectoryStream(pidTarget.proc().dir(pid).resolve("fd"))) {
            for (Path fd : fds) {
                String link;
                try {
                    link = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (link.equals(name) || link.equals(name + " (deleted)")) {
                    left.add(Integer.parseInt(fd.getFileName().toString()));
                }
            }
        } catch (IOException | RuntimeException e) {
            return null; // not ours to read: nothing more to do
        }
        List<String> failures = new java.util.ArrayList<>();
        for (int fd : left) {
            Path link = pidTarget.proc().dir(pid).resolve("fd").resolve(Integer.toString(fd));
            try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(link,
                    java.nio.file.StandardOpenOption.WRITE)) {
                c.truncate(0);
            } catch (IOException e) {
                failures.add("could not truncate its descriptor " + fd + " (" + e.getMessage() + ")");
            }
            try {
                String still = Files.readSymbolicLink(link).toString();
                if (still.equals(name) || still.equals(name + " (deleted)")) { // not reused meanwhile
                    // require comes with the command-line API, as for v8.writeHeapSnapshot
                    // closed only if, in the target itself, the descriptor still names the file
                    String js = "{ const fs = require('fs'); const l = fs.readlinkSync('/proc/self/fd/" + fd + "'); "
                            + "if (l === " + JsonTree.toJson(name) + " || l === " + JsonTree.toJson(name + " (deleted)")
                            + ") fs.closeSync(" + fd + "); }";
                    Map<String, Object> reply = client.call("Runtime.evaluate", Map.of("expression", js,
                            "includeCommandLineAPI", true, "returnByValue", true), options.requestTimeoutMillis());
                    String thrown = thrown(reply);
                    if (thrown != null) {
                        throw new IOException(thrown);
                    }
                }
            } catch (IOException e) {
                failures.add("could not have it close descriptor " + fd + " (" + Text.lower(e.getMessage()) + ")");
            }
        }
        return failures.isEmpty() ? null : "pid " + pid + " keeps '" + name + "' open: " + String.join(", ", failures);
    }

    /** A dropped connection, said as what happened to the target. */
    private IOException explainCaptureFailure(IOException e, Path out) {
        if (e != client.failure()) {
            return e; // not the connection: the message says what went wrong already
        }
        if (pidTarget != null && exits(pidTarget)) {
            return new IOException("pid " + pidTarget.process().pid() + " exited during the heap snapshot; '"
                    + out + "' not written", e);
        }
        return new IOException(Text.lower(e.getMessage()) + " during the heap snapshot; '" + out
                + "' not written", e);
    }

    /**
     * Whether the target is exiting: a killed process closes its sockets before it turns zombie, so a dropped
     * connection may come a moment before {@code /proc} shows the process gone.
     */
    private static boolean exits(PidTarget target) {
        for (int i = 0; i < 20; i++) {
            if (!target.process().isAlive(target.proc())) {
                return true;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private void enableHeapProfiler() throws IOException {
        if (!heapProfilerEnabled) {
            client.call("HeapProfiler.enable", Map.of(), options.requestTimeoutMillis());
            heapProfilerEnabled = true;
        }
    }

    /**
     * {@code Runtime.evaluate} with {@code returnByValue}; returns the value as a JSON tree, and turns an
     * exception thrown by the expression into an {@link IOException}.
     */
    private Object evaluate(String expression, long timeoutMillis) throws IOException {
        Map<String, Object> reply = client.call("Runtime.evaluate",
                Map.of("expression", expression, "returnByValue", true), timeoutMillis);
        String thrown = thrown(reply);
        if (thrown != null) {
            throw new IOException("evaluating '" + expression + "' in " + client.description() + " threw: " + thrown);
        }
        return JsonTree.object(reply.get("result"), "Runtime.evaluate result").get("value");
    }

    /** The first line of what a {@code Runtime.evaluate} reply says its expression threw, or null. */
    private static String thrown(Map<String, Object> reply) {
        if (reply.get("exceptionDetails") instanceof Map<?, ?> details) {
            Object exception = details.get("exception") instanceof Map<?, ?> ex ? ex.get("description") : null;
            return String.valueOf(exception != null ? exception : details.get("text")).lines().findFirst()
                    .orElse("");
        }
        return null;
    }

    /**
     * Closes the connection and, if this session opened the inspector (and was not told to keep it), the
     * inspector too, waiting until its port stops listening.
     *
     * @throws IOException if the inspector we opened is still listening afterwards
     */
    @Override
    public void close() throws IOException {
        try {
            if (tracking && client.isOpen()) {
                try {
                    stopTrackingAllocations();
                } catch (IOException e) {
                    // closing the connection stops it too
                }
            }
            if (pidTarget != null && pidTarget.closer() != null) {
                pidTarget.closer().close();
            }
        } finally {
            client.close();
            if (pidTarget != null) {
                pidTarget.lock().close();
            }
        }
    }
}
