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
 * here, and the phase runs with them in memory). The file is unlinked as soon as it is open, so that nothing is
 * left behind whatever ends the process; it is closed when everything is read back, or on close.
 */
public final class SpilledInts implements AutoCloseable {
    private final int[] lengths;
    private final int[][] kept;     // the arrays, when not written
    private FileChannel file;
    private int unread;

    private SpilledInts(int[] lengths, int[][] kept, FileChannel file) {
        this.lengths = lengths;
        this.kept = kept;
        this.file = file;
        this.unread = lengths.length;
    }

    /** Writes the arrays to a temporary file. */
    public static SpilledInts of(int[]... arrays) {
        int[] lengths = lengths(arrays);
        Path path = null;
        FileChannel file = null;
        try {
            path = Files.createTempFile("leakhunt-", ".spilled");
            file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            deleteQuietly(path);
            for (int[] array : arrays) {
                IntArrays.write(file, array);
            }
            return new SpilledInts(lengths, new int[arrays.length][], file);
        } catch (IOException e) {
            closeQuietly(file);
            deleteQuietly(path);
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
            try {
                array = IntArrays.read(file.position(offset), lengths[i]);
            } catch (IOException e) {
                throw new UncheckedIOException(new IOException("cannot read back a temporary file of leakhunt's: "
                        + e.getMessage(), e));
            }
        }
        if (--unread == 0) {
            close();
        }
        return array;
    }

    /** Closes the file; arrays not read back are gone. */
    @Override
    public void close() {
        closeQuietly(file);
        file = null;
    }

    private static void closeQuietly(FileChannel file) {
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException ignored) {
            // an unlinked file: its space returns with the descriptor, at the latest when the process ends
        }
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
