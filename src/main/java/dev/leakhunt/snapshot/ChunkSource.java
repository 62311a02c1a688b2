package dev.leakhunt.snapshot;

import java.io.Closeable;
import java.io.IOException;

/** Where the scanner's bytes come from: a sequence of filled buffers, each followed by a sentinel byte 0. */
interface ChunkSource extends Closeable {
    /** A filled buffer and how many of its bytes are valid; bytes[length] is always 0, which is no digit. */
    final class Chunk {
        final byte[] bytes;
        int length;
        long offset; // of bytes[0] in the source

        Chunk(byte[] bytes) {
            this.bytes = bytes;
        }
    }

    /** The next filled chunk, or null at the end. The chunk before it may be reused. */
    Chunk next() throws IOException;

    @Override
    void close();
}
