package dev.leakhunt.cli;

import dev.leakhunt.inspector.ProgressListener;
import java.io.PrintWriter;

/**
 * Feeds the progress bars from the capture's callbacks (on the connection's thread): objects examined while
 * V8 builds the snapshot, then MiB written, of a total nobody knows in advance.
 */
final class CaptureProgress implements ProgressListener, AutoCloseable {
    private final PrintWriter err;
    private final boolean show;
    private volatile long objects;
    private volatile long bytes;
    private Progress bar = Progress.NONE;
    private long total = -1;
    private boolean writing;

    CaptureProgress(PrintWriter err, boolean show) {
        this.err = err;
        this.show = show;
    }

    @Override
    public synchronized void building(long done, long total) {
        objects = done;
        if (!show || writing) {
            return;
        }
        if (bar == Progress.NONE) {
            bar = Progress.start(err, "snapshot", total, " objects", 1, () -> objects);
        } else if (total != this.total) {
            bar.max(total);
        }
        this.total = total;
    }

    private volatile long cpuMillis;
    private boolean busy;

    @Override
    public synchronized void busy(long cpuMillis) {
        this.cpuMillis = cpuMillis;
        if (show && !busy && !writing) {
            busy = true;
            bar = Progress.start(err, "snapshot: V8 builds it (target CPU)", -1, " ms", 1, () -> this.cpuMillis);
        }
    }

    @Override
    public synchronized void writing(long bytes) {
        this.bytes = bytes;
        if (show && !writing) {
            writing = true;
            bar.close();
            bar = Progress.start(err, "writing", -1, " MiB", 1 << 20, () -> this.bytes);
        }
    }

    @Override
    public synchronized void close() {
        bar.close();
    }
}
