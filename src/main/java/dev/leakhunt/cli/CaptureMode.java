package dev.leakhunt.cli;

import dev.leakhunt.inspector.Capture;
import dev.leakhunt.inspector.InspectorSession;
import dev.leakhunt.inspector.ProgressListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Who writes a heap snapshot's file: the target itself, or leakhunt from what the target streams. */
enum CaptureMode {
    /** The target when it can (see {@link InspectorSession#canWriteInTarget}) and no compression is asked for. */
    AUTO,
    /** The target, or a failure. */
    DIRECT,
    /** leakhunt, from the chunks the target sends over the inspector. */
    STREAM;

    /**
     * Takes the snapshot. In {@link #AUTO}, a target that cannot open the file after all (a directory it may not
     * enter, a policy) is asked to stream it instead, and {@code notes} hears why.
     */
    Capture take(InspectorSession session, Path file, boolean compress, ProgressListener progress,
                 Consumer<String> notes) throws IOException {
        if (this == DIRECT || this == AUTO && !compress && session.canWriteInTarget()) {
            try {
                return session.writeHeapSnapshotInTarget(file, progress);
            } catch (InspectorSession.NothingWritten e) {
                if (this == DIRECT) {
                    throw e;
                }
                notes.accept(e.getMessage() + "; streaming it instead");
            }
        }
        return session.captureHeapSnapshot(file, compress, progress);
    }
}
