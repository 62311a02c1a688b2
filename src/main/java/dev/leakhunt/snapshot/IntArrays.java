package dev.leakhunt.snapshot;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;

/** Writes and reads int arrays through a file channel in native byte order, a few MiB at a time. */
final class IntArrays {
    private static final int BLOCK_INTS = 1 << 20;

    private IntArrays() {
    }

    static void write(FileChannel out, int[] array) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocateDirect(BLOCK_INTS * 4).order(ByteOrder.nativeOrder());
        IntBuffer ints = bytes.asIntBuffer();
        for (int from = 0; from < array.length; from += BLOCK_INTS) {
            int n = Math.min(BLOCK_INTS, array.length - from);
            ints.clear();
            ints.put(array, from, n);
            bytes.clear().limit(n * 4);
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
        }
    }

    static int[] read(FileChannel in, int length) throws IOException {
        int[] array = new int[length];
        ByteBuffer bytes = ByteBuffer.allocateDirect(BLOCK_INTS * 4).order(ByteOrder.nativeOrder());
        IntBuffer ints = bytes.asIntBuffer();
        for (int from = 0; from < length; from += BLOCK_INTS) {
            int n = Math.min(BLOCK_INTS, length - from);
            bytes.clear().limit(n * 4);
            while (bytes.hasRemaining()) {
                if (in.read(bytes) < 0) {
                    throw new EOFException("the file ended early");
                }
            }
            ints.clear();
            ints.get(array, from, n);
        }
        return array;
    }
}
