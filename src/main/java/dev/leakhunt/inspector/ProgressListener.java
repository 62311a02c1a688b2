package dev.leakhunt.inspector;

/**
 * Progress of a heap snapshot, called on the connection's receiving thread: first while V8 builds the snapshot
 * (the target is paused meanwhile), then while its text arrives and is written.
 */
public interface ProgressListener {
    ProgressListener NONE = new ProgressListener() {
    };

    /** V8 has examined {@code done} of {@code total} heap objects. */
    default void building(long done, long total) {
    }

    /**
     * V8 builds the snapshot without reporting progress (the target writes the file itself): the target has spent
     * {@code cpuMillis} of CPU since, which shows it working.
     */
    default void busy(long cpuMillis) {
    }

    /** {@code bytes} bytes of snapshot text have arrived and been written (before any compression). */
    default void writing(long bytes) {
    }
}
