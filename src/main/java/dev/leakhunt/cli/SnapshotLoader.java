package dev.leakhunt.cli;

import dev.leakhunt.analysis.Units;
import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.SnapshotMeta;
import dev.leakhunt.snapshot.SnapshotReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a snapshot and builds its graph for any command: checks the file first, refuses a snapshot the heap
 * cannot hold before parsing it (saying which {@code -Xmx} it needs), and shows progress when asked.
 */
final class SnapshotLoader {
    private SnapshotLoader() {
    }

    static HeapGraph load(Path file, PrintWriter err, boolean progress) throws IOException {
        HeapSnapshot snapshot = read(file, err, progress);
        try (Progress p = progress ? Progress.start(err, "dominators", -1, "", 1, () -> 0) : Progress.NONE) {
            return HeapGraph.build(snapshot);
        }
    }

    /** The parse alone, so that the reader and its buffers are garbage before the graph phases begin. */
    private static HeapSnapshot read(Path file, PrintWriter err, boolean progress) throws IOException {
        BaseCommand.ensureReadableFile(file);
        boolean stdin = BaseCommand.isStdin(file);
        long fileBytes = !stdin && Files.isRegularFile(file) ? Files.size(file) : -1; // -1: a stream of unknown size
        SnapshotReader reader = stdin ? SnapshotReader.ofStream(System.in, "standard input") : new SnapshotReader(file);
        reader.onHeader(meta -> checkFits(file, meta, fileBytes, reader.isGzip()));
        try (Progress p = progress ? Progress.start(err, "reading", fileBytes, reader::bytesRead) : Progress.NONE) {
            return reader.read();
        }
    }

    /**
     * A rough bound of the heap the parse and graph need: the snapshot's arrays and strings, plus the graph's peak.
     * The strings' size is not in the header: take what the file holds beyond its numbers (about five bytes a
     * number), at least a tenth of it; a gzip file is taken as eight times its size.
     */
    static long neededBytes(SnapshotMeta meta, long fileBytes, boolean gzip) {
        long textBytes = Math.max(0, gzip ? fileBytes * 8 : fileBytes); // a stream's size is unknown (-1)
        long numbers = meta.nodeCount() * meta.nodeFieldCount() + meta.edgeCount() * meta.edgeFieldCount();
        long strings = Math.max(textBytes / 10, textBytes - 5 * numbers);
        return HeapSnapshot.arrayBytes(meta.nodeCount(), meta.edgeCount()) + strings
                + HeapGraph.peakBytes(meta.nodeCount(), meta.edgeCount()) + (128L << 20);
    }

    private static void checkFits(Path file, SnapshotMeta meta, long fileBytes, boolean gzip) throws IOException {
        long need = neededBytes(meta, fileBytes, gzip);
        long max = Runtime.getRuntime().maxMemory();
        if (need > max) {
            long gib = (need + (1L << 30) - 1) >> 30;
            throw new IOException("snapshot too large for this heap: '" + file + "' has "
                    + Units.count(meta.nodeCount()) + " nodes and " + Units.count(meta.edgeCount())
                    + " edges, which need about " + Units.bytes(need) + " but the JVM may use "
                    + Units.bytes(max) + "; run with JAVA_OPTS=-Xmx" + gib + "g");
        }
    }
}
