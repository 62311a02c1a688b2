package dev.leakhunt.inspector;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One {@code HeapProfiler.takeHeapSnapshot}: V8 first reports progress while it builds the snapshot, then sends
 * the text as {@code HeapProfiler.addHeapSnapshotChunk} events, then replies to the command. Each chunk is
 * decoded straight into the {@link SnapshotFile} as it arrives; the reply commits the file.
 *
 * <p>There is no overall deadline, since a big heap takes minutes; instead the capture fails when nothing at all
 * has arrived for {@code idleTimeoutMillis}.
 */
final class SnapshotCapture {
    private static final String PROGRESS = "HeapProfiler.reportHeapSnapshotProgress";
    private static final String CHUNK = "HeapProfiler.addHeapSnapshotChunk";
    private static final long WAIT_STEP_MILLIS = 100;

    private final CdpClient client;
    private final SnapshotFile file;
    private final ProgressListener progress;
    private volatile IOException failure;
    private volatile boolean stopped;
    private long bytes; // written only on the receiving thread, read after the reply

    private SnapshotCapture(CdpClient client, SnapshotFile file, ProgressListener progress) {
        this.client = client;
        this.file = file;
        this.progress = progress;
    }

    /** Takes the snapshot into {@code file} and commits it; aborts the file on any failure. */
    static Capture run(CdpClient client, SnapshotFile file, ProgressListener progress, long idleTimeoutMillis)
            throws IOException {
        long start = System.nanoTime();
        SnapshotCapture capture = new SnapshotCapture(client, file, progress);
        try (CdpClient.Subscription p = client.on(PROGRESS, capture::onProgress);
             CdpClient.Subscription c = client.on(CHUNK, capture::onChunk)) {
            capture.await(client.send("HeapProfiler.takeHeapSnapshot", Map.of("reportProgress", true)),
                    idleTimeoutMillis);
            if (capture.bytes == 0) {
                throw new IOException(client.description() + " sent an empty heap snapshot");
            }
            long bytes = file.commit();
            return new Capture(file.out(), bytes, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                    false);
        } catch (IOException | RuntimeException e) {
            capture.stopped = true;
            file.abort();
            throw e;
        }
    }

    private void await(CompletableFuture<Map<String, Object>> reply, long idleTimeoutMillis) throws IOException {
        long idleNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
        while (true) {
            try {
                reply.get(WAIT_STEP_MILLIS, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                if (failure != null) {
                    throw failure;
                }
                if (System.nanoTime() - client.lastMessageNanos() > idleNanos) {
                    throw new IOException(client.description() + " sent nothing for "
                            + Text.duration(idleTimeoutMillis) + " while taking the heap snapshot");
                }
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while taking the heap snapshot");
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void onProgress(CdpEvent event) {
        try {
            Map<String, Object> params = event.params();
            progress.building(JsonTree.number(params, "done", PROGRESS), JsonTree.number(params, "total", PROGRESS));
        } catch (IOException | RuntimeException e) {
            fail(e instanceof IOException io ? io : new IOException("progress listener failed: " + e, e));
        }
    }

    private void onChunk(CdpEvent event) {
        if (stopped || failure != null) {
            return;
        }
        try {
            bytes += event.writeStringParam("chunk", file.text());
        } catch (JsonStringWriter.Malformed e) {
            fail(new IOException("malformed heap snapshot chunk from " + client.description() + ": "
                    + e.getMessage()));
            return;
        } catch (IOException e) {
            fail(file.describe(e));
            return;
        }
        try {
            progress.writing(bytes);
        } catch (RuntimeException e) {
            fail(new IOException("progress listener failed: " + e, e));
        }
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
    }
}
