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

    /** {@code bytes} bytes of snapshot text have arrived and been written (before any compression). */
    default void writing(long bytes) {
    }
}
