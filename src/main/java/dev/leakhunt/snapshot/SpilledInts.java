package dev.leakhunt.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Int arrays moved out of the heap into a temporary file while a phase does not read them, so that the phase's own
 * arrays can take their place; {@link #readBack} returns them, each once. The caller drops its own references after
 * {@link #of} (the arrays are garbage from then on, unless they could not be written: then they are simply kept
 * here, and the phase runs with them in memory). The file is deleted when everything is read back, or on close.
 */
public final class SpilledInts implements AutoCloseable {
    private final int[] lengths;
    private final int[][] kept;     // the arrays, when not written
    private Path file;
    private int unread;

    private SpilledInts(int[] lengths, int[][] kept, Path file) {
        this.lengths = lengths;
        this.kept = kept;
        this.file = file;
        this.unread = lengths.length;
    }

    /** Writes the arrays to a temporary file. */
    public static SpilledInts of(int[]... arrays) {
        int[] lengths = lengths(arrays);
        Path file = null;
        try {
            file = Files.createTempFile("leakhunt-", ".spilled");
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
                for (int[] array : arrays) {
                    IntArrays.write(out, array);
                }
            }
            return new SpilledInts(lengths, new int[arrays.length][], file);
        } catch (IOException e) {
            deleteQuietly(file);
            return kept(arrays); // not written: kept in memory
        }
    }

    /** Keeps the arrays in memory, for snapshots too small to be worth a file; {@link #readBack} returns them. */
    public static SpilledInts kept(int[]... arrays) {
        return new SpilledInts(lengths(arrays), arrays.clone(), null);
    }

    private static int[] lengths(int[][] arrays) {
        int[] lengths = new int[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            lengths[i] = arrays[i].length;
        }
        return lengths;
    }

    /** Whether the arrays are on disk (false when the file could not be written and they stayed in memory). */
    public boolean onDisk() {
        return file != null;
    }

    /** Array {@code i}, in the order given; an unreadable temporary file is an error of the machine, said as such. */
    public int[] readBack(int i) {
        int[] array = kept[i];
        kept[i] = null;
        if (array == null) {
            long offset = 0;
            for (int k = 0; k < i; k++) {
                offset += lengths[k] * 4L;
            }
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                array = IntArrays.read(in.position(offset), lengths[i]);
            } catch (IOException e) {
                throw new UncheckedIOException(new IOException("cannot read back the temporary file '" + file
                        + "': " + e.getMessage(), e));
            }
        }
        if (--unread == 0) {
            close();
        }
        return array;
    }

    /** Deletes the file; arrays not read back are gone. */
    @Override
    public void close() {
        deleteQuietly(file);
        file = null;
    }

    static void deleteQuietly(Path file) {
        try {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException ignored) {
            // a temporary file left in the temporary directory
        }
    }
}
