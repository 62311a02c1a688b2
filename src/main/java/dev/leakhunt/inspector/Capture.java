package dev.leakhunt.inspector;

import java.nio.file.Path;

/**
 * A heap snapshot written by {@link InspectorSession#captureHeapSnapshot}.
 *
 * @param path   the file, complete (it was renamed from {@code <path>.part} only once the target had sent all)
 * @param bytes  the size of the file as written (compressed, if gzip was asked for)
 * @param millis from sending the command to the file's rename
 */
public record Capture(Path path, long bytes, long millis) {
}
