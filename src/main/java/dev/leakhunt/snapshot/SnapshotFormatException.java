package dev.leakhunt.snapshot;

import java.io.IOException;

/**
 * A file that is not a usable heap snapshot: not JSON, not a snapshot, truncated, or inconsistent. The message is
 * one lowercase line that quotes the file and says what is wrong, e.g.
 * {@code truncated snapshot 'x.heapsnapshot' (the file ends inside "edges", after 30 of 42 numbers)}.
 */
public class SnapshotFormatException extends IOException {
    public SnapshotFormatException(String message) {
        super(message);
    }

    public SnapshotFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
