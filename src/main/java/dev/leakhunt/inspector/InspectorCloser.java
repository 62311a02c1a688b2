package dev.leakhunt.inspector;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Closes an inspector that leakhunt opened, exactly once: from {@link InspectorSession#close()} on success or
 * failure, or from a JVM shutdown hook (registered on creation, removed once closed) if the JVM exits first, as
 * on Ctrl-C. Whichever comes second waits for the first. It is created before SIGUSR1 is sent, so that Ctrl-C
 * while waiting for the port still closes it: until {@link #opened} says where, it looks the port up.
 */
final class InspectorCloser {
    /** The JVM waits for shutdown hooks; keep Ctrl-C responsive. */
    private static final long HOOK_BUDGET_MILLIS = 3000;
    /** How long Ctrl-C waits for a snapshot the target is busy with before closing its inspector. */
    private static final long BUSY_BUDGET_MILLIS = 10 * 60_000;

    private final PidInspector inspector;
    private final NodeProcess target;
    private final DevToolsHttp http;
    private final InspectorSession.Options options;
    private final Thread hook = new Thread(this::closeFromHook, "leakhunt-close-inspector");
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Endpoint endpoint;
    private volatile CdpClient client;
    private volatile boolean forgotten;

    InspectorCloser(PidInspector inspector, NodeProcess target, DevToolsHttp http,
                    InspectorSession.Options options) {
        this.inspector = inspector;
        this.target = target;
        this.http = http;
        this.options = options;
        Hooks.add(hook);
    }

    /** Where the inspector we opened listens. */
    void opened(Endpoint at) {
        this.endpoint = at;
    }

    /** The session's connection, over which {@code process._debugEnd()} goes while it is open. */
    void hold(CdpClient sessionClient) {
        this.client = sessionClient;
    }

    /** Leaves the inspector alone after all (it turned out not to be ours to close). */
    void forget() {
        forgotten = true;
    }

    void close() throws IOException {
        // a short --timeout is for opening; closing waits on the target's main thread, which may be busy
        long budget = Math.max(options.openTimeoutMillis(), options.requestTimeoutMillis());
        if (!started.compareAndSet(false, true)) {
            awaitDone(budget);
            return;
        }
        try {
            closeNow(budget);
        } finally {
            done.countDown();
            Hooks.remove(hook);
        }
    }

    void closeQuietly() {
        try {
            close();
        } catch (IOException e) {
            // already failing with a better message
        }
    }

    private void closeFromHook() {
        if (!started.compareAndSet(false, true)) {
            awaitDone(HOOK_BUDGET_MILLIS);
            return;
        }
        try {
            awaitTargetIdle();
            closeNow(HOOK_BUDGET_MILLIS);
        } catch (IOException | RuntimeException e) {
            // the JVM is going; nowhere to report
        } finally {
            done.countDown();
        }
    }

    /**
     * Ctrl-C while the target builds or writes a heap snapshot: V8 cannot stop it, and the target's thread takes
     * {@code process._debugEnd()} only when it is done, so an exit now would leave the inspector open for good.
     * Waits for what the session awaits (at most {@value #BUSY_BUDGET_MILLIS} ms), saying why.
     */
    private void awaitTargetIdle() {
        CdpClient open = client;
        if (forgotten || open == null || !open.isOpen()) {
            return;
        }
        List<CompletableFuture<Map<String, Object>>> busy = open.pendingReplies();
        if (busy.isEmpty()) {
            return;
        }
        options.notes().accept("interrupted while pid " + target.pid() + " builds or writes a heap snapshot, which "
                + "V8 cannot stop: closing its inspector when it is done (kill -9 leakhunt leaves it open)");
        try {
            CompletableFuture.allOf(busy.toArray(CompletableFuture[]::new)).get(BUSY_BUDGET_MILLIS,
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // failed or too long: try to close it all the same
        }
    }

    private void closeNow(long timeoutMillis) throws IOException {
        Endpoint at = endpoint != null ? endpoint : inspector.find(target, Set.of());
        if (forgotten || at == null || !inspector.listensOn(target.pid(), at.port())) {
            return; // not ours to close, not open (yet), or closed already (the process may have exited)
        }
        CdpClient open = client;
        boolean ours = open == null || !open.isOpen();
        if (ours) {
            try {
                open = TargetChoice.connect(http, at, null, "the inspector of pid " + target.pid() + " at " + at,
                        Math.min(timeoutMillis, options.requestTimeoutMillis()));
            } catch (IOException e) {
                throw new IOException("cannot close the inspector that leakhunt opened in pid " + target.pid()
                        + " at " + at + ": " + e.getMessage(), e);
            }
        }
        try {
            inspector.close(target, at, open, timeoutMillis);
            options.notes().accept("closed the inspector of pid " + target.pid() + " on " + at);
        } finally {
            if (ours) {
                open.close();
            }
        }
    }

    private void awaitDone(long millis) {
        try {
            done.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
