package dev.leakhunt.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads a file from any offset on the caller's thread, into one reused buffer: for the second thread of
 * {@link EdgeSplit}, which jumps from segment to segment. Chunk offsets are file offsets.
 */
final class FileChunks implements ChunkSource {
    private static final int CHUNK_BYTES = 1 << 20;

    private final FileChannel channel;
    private final AtomicLong bytesRead;
    private final Chunk chunk = new Chunk(new byte[CHUNK_BYTES + 1]);
    private final ByteBuffer buffer = ByteBuffer.wrap(chunk.bytes, 0, CHUNK_BYTES);
    private long next;

    FileChunks(Path file, AtomicLong bytesRead) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.bytesRead = bytesRead;
    }

    /** The next chunk begins at this file offset. */
    void seek(long offset) {
        next = offset;
    }

    @Override
    public Chunk next() throws IOException {
        buffer.clear().limit(CHUNK_BYTES);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, next + buffer.position()) < 0) {
                break;
            }
        }
        int n = buffer.position();
        if (n == 0) {
            return null;
        }
        chunk.length = n;
        chunk.offset = next;
        chunk.bytes[n] = 0;
        next += n;
        bytesRead.addAndGet(n);
        return chunk;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
    }
}
