package dev.leakhunt.inspector;

import java.nio.file.Path;

/**
 * A heap snapshot written by {@link InspectorSession#captureHeapSnapshot} or
 * {@link InspectorSession#writeHeapSnapshotInTarget}.
 *
 * @param path   the file, complete (it was renamed from {@code <path>.part} only once the target had sent or
 *               written all)
 * @param bytes  the size of the file as written (compressed, if gzip was asked for)
 * @param millis from sending the command to the file's rename
 * @param direct whether the target wrote the file itself, rather than sending it over the inspector
 */
public record Capture(Path path, long bytes, long millis, boolean direct) {
}
