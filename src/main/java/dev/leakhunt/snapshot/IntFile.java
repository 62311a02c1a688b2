package dev.leakhunt.snapshot;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An int array kept in an unlinked temporary file and read back a block at a time through a small cache, for
 * arrays that only a report's few nodes and edges read (edge names, node ids): neither the array nor the blocks
 * read stay in memory beyond the cache's 4 MiB. A memory mapping would be simpler, but every page it touches counts
 * against the process's memory for as long as it lives: a few thousand chains' random edges over a 1 GB snapshot's
 * edge names made 130-160 MiB resident.
 *
 * <p>The cache is direct-mapped: block {@code b} lives in slot {@code b mod SLOTS}. Reads are safe from several
 * threads: a slot holds an immutable block, replaced whole; misses read the file under a lock. The file is read
 * with {@link RandomAccessFile}, not a {@code FileChannel}, whose reads an interrupt would close for good.
 */
final class IntFile implements AutoCloseable {
    private static final int BLOCK_SHIFT = 10;
    private static final int BLOCK_INTS = 1 << BLOCK_SHIFT; // 4 KiB, a page
    private static final int SLOTS = 1024;

    private record Block(long index, int[] ints) {
    }

    private final RandomAccessFile file;
    private final long length;
    private final Block[] cache = new Block[SLOTS];

    private IntFile(RandomAccessFile file, long length) {
        this.file = file;
        this.length = length;
    }

    /** Writes {@code array} to a new temporary file, unlinked at once: it lives as long as this object. */
    static IntFile of(int[] array) throws IOException {
        Path path = Files.createTempFile("leakhunt-", ".ints");
        try {
            try (FileChannel out = FileChannel.open(path, StandardOpenOption.WRITE)) {
                IntArrays.write(out, array);
            }
            return new IntFile(new RandomAccessFile(path.toFile(), "r"), array.length);
        } finally {
            SpilledInts.deleteQuietly(path);
        }
    }

    int get(long i) {
        long index = i >>> BLOCK_SHIFT;
        int slot = (int) (index & (SLOTS - 1));
        Block block = cache[slot];
        if (block == null || block.index != index) {
            block = load(index);
            cache[slot] = block;
        }
        return block.ints[(int) (i & (BLOCK_INTS - 1))];
    }

    private Block load(long index) {
        long first = index << BLOCK_SHIFT;
        int count = (int) Math.min(BLOCK_INTS, length - first);
        byte[] bytes = new byte[count * 4];
        synchronized (file) {
            try {
                file.seek(first * 4);
                file.readFully(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(new IOException("cannot read a temporary file of leakhunt's: "
                        + e.getMessage(), e));
            }
        }
        int[] ints = new int[count];
        ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).asIntBuffer().get(ints);
        return new Block(index, ints);
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException ignored) {
            // the file is unlinked already; the descriptor goes with the process
        }
    }
}
