package dev.leakhunt.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The snapshot's {@code strings}, kept as UTF-8 bytes and decoded only when shown. A string-heavy snapshot holds
 * hundreds of millions of characters, of which a report reads a few thousand; so the bytes go to a temporary file
 * while the parse appends them and are read back through a read-only memory mapping, where only the pages read
 * count against the process's memory. (The file is unlinked as soon as it is mapped.) Where no temporary file can
 * be made, the bytes stay on the heap in large pages.
 *
 * <p>Encoding: string {@code i} is the bytes from offset {@code location[i]} of the store to {@code location[i + 1]}
 * (strings are stored one after the other, so no length is kept). The store is
 * a list of chunks, chunk {@code k} starting at {@code chunkStart[k]}, and a string lies whole within the last chunk
 * that starts at or before it: heap chunks end at string boundaries; file windows overlap by {@link #OVERLAP}
 * bytes, and a longer string is read from the file directly.
 */
public final class StringTable {
    private static final int BUFFER_BYTES = 8 << 20;
    private static final long WINDOW = 1L << 30;
    private static final int OVERLAP = 16 << 20;

    private long[] location = new long[1 << 14];
    private int count;

    // while appending: the current string is always whole in buf, which is flushed at string boundaries
    private byte[] buf = new byte[BUFFER_BYTES];
    private int bufPos;
    private int start;
    private long flushed;
    private FileChannel file;
    private final List<byte[]> heapChunks = new ArrayList<>();
    private final List<Long> heapChunkStarts = new ArrayList<>();

    // when read
    private long[] chunkStart;
    private ByteBuffer[] chunks;

    StringTable() {
        this(true, 0);
    }

    /**
     * {@code useFile} false keeps the bytes on the heap, as when no temporary file can be made; {@code expected}
     * strings get room from the start (the reader knows the largest index the nodes and edges name), so that the
     * offsets are not copied as they grow.
     */
    StringTable(boolean useFile, int expected) {
        if (expected >= location.length) {
            location = new long[expected + 1];
        }
        if (!useFile) {
            return;
        }
        try {
            Path path = Files.createTempFile("leakhunt-", ".strings");
            file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.DELETE_ON_CLOSE);
            Files.deleteIfExists(path); // the open channel keeps it until it closes
        } catch (IOException e) {
            file = null; // on the heap, then
        }
    }

    public int size() {
        return count;
    }

    void begin() {
        if (bufPos > buf.length - (buf.length >> 3)) {
            flush();
        }
        start = bufPos;
    }

    void append(byte b) {
        if (bufPos == buf.length) {
            grow(1);
        }
        buf[bufPos++] = b;
    }

    void append(byte[] src, int offset, int len) {
        if (bufPos + len > buf.length) {
            grow(len);
        }
        System.arraycopy(src, offset, buf, bufPos, len);
        bufPos += len;
    }

    void end() {
        if (count == location.length) {
            location = Arrays.copyOf(location, count + (count >> 1));
        }
        location[count] = flushed + start;
        count++;
    }

    /** Makes room in the buffer: flushes the finished strings, and enlarges it if the current one needs that. */
    private void grow(int more) {
        int partial = bufPos - start;
        flushBefore(start);
        long need = (long) partial + more;
        if (need > buf.length) {
            if (need > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("a string of more than 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(need, 2L * buf.length)));
        }
    }

    private void flush() {
        flushBefore(bufPos);
        start = 0;
    }

    /** Moves the bytes before {@code end} (whole strings) out of the buffer, keeping the rest at its start. */
    private void flushBefore(int end) {
        if (end == 0) {
            return;
        }
        if (file != null) {
            try {
                ByteBuffer out = ByteBuffer.wrap(buf, 0, end);
                while (out.hasRemaining()) {
                    file.write(out);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(new IOException("cannot write the strings' temporary file: "
                        + e.getMessage(), e));
            }
        } else {
            heapChunkStarts.add(flushed);
            heapChunks.add(Arrays.copyOf(buf, end));
        }
        flushed += end;
        System.arraycopy(buf, end, buf, 0, bufPos - end);
        bufPos -= end;
        start -= end;
    }

    /** Ends appending: flushes what is left and opens the store for reading. */
    void trim() {
        flush();
        buf = null;
        if (location.length != count + 1) {
            location = Arrays.copyOf(location, count + 1);
        }
        location[count] = flushed; // the end of the last string
        if (file == null) {
            chunkStart = heapChunkStarts.stream().mapToLong(Long::longValue).toArray();
            chunks = heapChunks.stream().map(ByteBuffer::wrap).toArray(ByteBuffer[]::new);
            heapChunks.clear();
            return;
        }
        int windows = (int) ((flushed + WINDOW - 1) / WINDOW);
        chunkStart = new long[windows];
        chunks = new ByteBuffer[windows];
        try {
            for (int k = 0; k < windows; k++) {
                chunkStart[k] = k * WINDOW;
                long size = Math.min(WINDOW + OVERLAP, flushed - chunkStart[k]);
                chunks[k] = file.map(FileChannel.MapMode.READ_ONLY, chunkStart[k], size);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot map the strings' temporary file: "
                    + e.getMessage(), e));
        }
    }

    public int byteLength(int i) {
        return (int) (location[i + 1] - location[i]);
    }

    /** The total bytes the strings take. */
    public long totalBytes() {
        return location[count] - location[0];
    }

    /** The first {@code n} bytes of string {@code i}. */
    private byte[] bytes(int i, int n) {
        byte[] out = new byte[n];
        long at = location[i];
        int k = chunkOf(at);
        int offset = (int) (at - chunkStart[k]);
        ByteBuffer chunk = chunks[k];
        if (offset + n <= chunk.capacity()) {
            chunk.get(offset, out, 0, n);
            return out;
        }
        try { // a string longer than the windows' overlap
            ByteBuffer into = ByteBuffer.wrap(out);
            while (into.hasRemaining()) {
                if (file.read(into, at + into.position()) < 0) {
                    throw new IOException("the file ended early");
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int chunkOf(long at) {
        int k = Arrays.binarySearch(chunkStart, at);
        return k >= 0 ? k : -k - 2;
    }

    public String get(int i) {
        return new String(bytes(i, byteLength(i)), StandardCharsets.UTF_8);
    }

    /** The string cut to about {@code maxBytes} bytes, with "…" appended when cut. */
    public String preview(int i, int maxBytes) {
        if (byteLength(i) <= maxBytes) {
            return get(i);
        }
        byte[] p = bytes(i, maxBytes + 1);
        int n = maxBytes;
        while (n > 0 && (p[n] & 0xC0) == 0x80) {
            n--; // do not cut a UTF-8 sequence
        }
        return new String(p, 0, n, StandardCharsets.UTF_8) + "…";
    }

    /** Whether string {@code i} starts with an ASCII digit. */
    public boolean startsWithDigit(int i) {
        if (byteLength(i) == 0) {
            return false;
        }
        byte b = bytes(i, 1)[0];
        return b >= '0' && b <= '9';
    }

    /** Whether string {@code i} is exactly {@code ascii} (which must be ASCII). */
    public boolean equalsAscii(int i, String ascii) {
        if (byteLength(i) != ascii.length()) {
            return false;
        }
        byte[] p = bytes(i, ascii.length());
        for (int k = 0; k < p.length; k++) {
            if (p[k] != (byte) ascii.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** The first index of an ASCII string, or -1. */
    public int indexOf(String ascii) {
        for (int i = 0; i < count; i++) {
            if (equalsAscii(i, ascii)) {
                return i;
            }
        }
        return -1;
    }
}
