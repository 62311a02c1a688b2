package dev.leakhunt.snapshot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The snapshot's {@code strings}, kept as UTF-8 bytes in large pages and decoded only when shown. A string-heavy
 * snapshot holds hundreds of millions of characters; as {@code java.lang.String}s (one object and array each, two
 * bytes a char for anything non-Latin-1) that would double the heap.
 *
 * <p>Encoding: string {@code i} occupies {@code length[i]} bytes of page {@code location[i] >>> 32} from offset
 * {@code (int) location[i]}. A string never straddles two pages; a string longer than a page gets a page of its own.
 */
public final class StringTable {
    private static final int PAGE_BYTES = 8 << 20;

    private final List<byte[]> pages = new ArrayList<>();
    private long[] location = new long[1 << 14];
    private int[] length = new int[1 << 14];
    private int count;

    // the string being appended
    private byte[] page;
    private int pageIndex = -1;
    private int pagePos;
    private int start;

    public int size() {
        return count;
    }

    void begin() {
        if (page == null) {
            newPage(PAGE_BYTES);
        }
        start = pagePos;
    }

    void append(byte b) {
        if (pagePos == page.length) {
            grow(1);
        }
        page[pagePos++] = b;
    }

    void append(byte[] src, int offset, int len) {
        if (pagePos + len > page.length) {
            grow(len);
        }
        System.arraycopy(src, offset, page, pagePos, len);
        pagePos += len;
    }

    void end() {
        if (count == location.length) {
            int n = count + (count >> 1);
            location = Arrays.copyOf(location, n);
            length = Arrays.copyOf(length, n);
        }
        location[count] = ((long) pageIndex << 32) | start;
        length[count] = pagePos - start;
        count++;
    }

    /** Moves the partial string to a fresh page with room for {@code more} bytes. */
    private void grow(int more) {
        int partial = pagePos - start;
        long need = (long) partial + more;
        if (need > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("a string of more than 2 GiB");
        }
        byte[] old = page;
        int oldStart = start;
        newPage((int) Math.max(PAGE_BYTES, Math.min(Integer.MAX_VALUE - 16, need * 2)));
        System.arraycopy(old, oldStart, page, 0, partial);
        pagePos = partial;
        start = 0;
    }

    private void newPage(int bytes) {
        page = new byte[bytes];
        pages.add(page);
        pageIndex = pages.size() - 1;
        pagePos = 0;
        start = 0;
    }

    /** Drops unused capacity once all strings are in. */
    void trim() {
        location = Arrays.copyOf(location, count);
        length = Arrays.copyOf(length, count);
        if (page != null && pagePos < page.length / 2) {
            pages.set(pageIndex, Arrays.copyOf(page, pagePos));
        }
        page = null;
    }

    public int byteLength(int i) {
        return length[i];
    }

    /** The total bytes the strings take. */
    public long totalBytes() {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            sum += length[i];
        }
        return sum;
    }

    public String get(int i) {
        return new String(pages.get((int) (location[i] >>> 32)), (int) location[i], length[i], StandardCharsets.UTF_8);
    }

    /** The string cut to about {@code maxBytes} bytes, with "…" appended when cut. */
    public String preview(int i, int maxBytes) {
        if (length[i] <= maxBytes) {
            return get(i);
        }
        byte[] p = pages.get((int) (location[i] >>> 32));
        int from = (int) location[i];
        int n = maxBytes;
        while (n > 0 && (p[from + n] & 0xC0) == 0x80) {
            n--; // do not cut a UTF-8 sequence
        }
        return new String(p, from, n, StandardCharsets.UTF_8) + "…";
    }

    /** Whether string {@code i} is exactly {@code ascii} (which must be ASCII). */
    public boolean equalsAscii(int i, String ascii) {
        if (length[i] != ascii.length()) {
            return false;
        }
        byte[] p = pages.get((int) (location[i] >>> 32));
        int from = (int) location[i];
        for (int k = 0; k < length[i]; k++) {
            if (p[from + k] != (byte) ascii.charAt(k)) {
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
