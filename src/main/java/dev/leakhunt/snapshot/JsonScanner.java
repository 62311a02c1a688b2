package dev.leakhunt.snapshot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * The byte scanner under {@link SnapshotReader}: JSON's structure over the chunks of a {@link ChunkSource}, with no
 * token objects. It skips values, reads keys, streams the numbers of an array into a {@link RecordDecoder}, and
 * says where it stands when the input is wrong: every message names the section and how many of its values came
 * before the fault.
 *
 * <p>Its window on the input is {@code buf[pos, limit)}; {@code buf[limit]} is a sentinel that is no digit (see
 * {@link ChunkSource}), which lets the number loop run without bounds checks. {@link StringsReader}'s loop works on
 * the window directly.
 */
final class JsonScanner implements AutoCloseable {
    /** {@link #scanNumbers}'s stop number when it reads to the array's end. */
    static final long NO_STOP = Long.MAX_VALUE;
    /** Digits of the largest number a snapshot's arrays may hold (below 2^63). */
    static final int MAX_DIGITS = 18;
    static final String TOP_LEVEL = "the top-level object";

    private final String what;
    private ChunkSource input;
    private long inputOffset;               // of the input's first byte in the file
    private long chunkOffset;               // of buf[0] in the input
    byte[] buf = new byte[1];
    int pos;
    int limit;
    private BooleanSupplier cancelled = () -> false;

    private String section = TOP_LEVEL;
    private long sectionValues;             // values of the section read so far
    private long sectionTotal = -1;         // numbers the section must hold, when known
    private boolean recognized;             // whether the input has shown itself a snapshot
    private boolean separated = true;       // in an array read aside: a number may follow

    /** {@code what} names the input in messages; {@code inputOffset} is the file offset of its first byte. */
    JsonScanner(String what, ChunkSource input, long inputOffset) {
        this.what = what;
        this.input = input;
        this.inputOffset = inputOffset;
    }

    /** Stops the scan with a {@link CancellationException} at the next chunk once {@code cancelled} says so. */
    JsonScanner cancelledBy(BooleanSupplier cancelled) {
        this.cancelled = cancelled;
        return this;
    }

    /** Continues with another input, whose first byte is at file offset {@code offset}; closes the one before. */
    void switchTo(ChunkSource next, long offset) {
        input.close();
        input = next;
        inputOffset = offset;
        dropWindow();
    }

    /** Drops what is left of the current chunk: the next byte comes from the input's next chunk. */
    void dropWindow() {
        chunkOffset = 0;
        buf = new byte[1];
        pos = 0;
        limit = 0;
    }

    /** The file offset of the next byte to scan (meaningful in a plain file). */
    long position() {
        return inputOffset + chunkOffset + pos;
    }

    @Override
    public void close() {
        input.close();
    }

    // ---- where it stands, for messages ----------------------------------------------------------------------

    /** Enters the value of top-level key {@code key}; {@code numbers} is how many it must hold, or -1. */
    void enter(String key, long numbers) {
        section = "\"" + key + "\"";
        sectionValues = 0;
        sectionTotal = numbers;
    }

    void leave() {
        section = TOP_LEVEL;
        sectionValues = 0;
        sectionTotal = -1;
    }

    /** From now on a JSON error is a corrupt snapshot, not a file that is no snapshot. */
    void recognized() {
        recognized = true;
    }

    String section() {
        return section;
    }

    /** Counts one value of the section (a string of {@code strings}), for messages. */
    void counted() {
        sectionValues++;
    }

    long sectionValues() {
        return sectionValues;
    }

    // ---- bytes ----------------------------------------------------------------------------------------------

    /** Moves to the next chunk of input; false at the end of the file. */
    boolean fill() throws IOException {
        ChunkSource.Chunk c;
        try {
            c = input.next();
        } catch (IOException e) {
            throw new SnapshotFormatException("cannot read " + what + ": " + e.getMessage(), e);
        }
        if (c == null) {
            buf = new byte[1];
            pos = 0;
            limit = 0;
            return false;
        }
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("the scan is no longer needed");
        }
        buf = c.bytes;
        chunkOffset = c.offset;
        pos = 0;
        limit = c.length;
        return true;
    }

    int nextByte() throws IOException {
        if (pos >= limit && !fill()) {
            throw truncated();
        }
        return buf[pos++] & 0xFF;
    }

    /** The next byte that is not white space, consumed; -1 at the end of the file. */
    int nextNonWs() throws IOException {
        for (;;) {
            if (pos >= limit && !fill()) {
                return -1;
            }
            int c = buf[pos++] & 0xFF;
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return c;
            }
        }
    }

    void expectArrayStart() throws IOException {
        int c = nextNonWs();
        if (c != '[') {
            throw corrupt(section + " is not an array");
        }
        separated = true;
    }

    // ---- numbers --------------------------------------------------------------------------------------------

    /**
     * Scans the numbers of an array into {@code decoder}, up to the closing bracket (then it returns false), or up
     * to the comma after number {@code stopAt - 1} (then true). {@code count} is the index of the first number,
     * which follows a '[' or a ','. The hot loop of the whole parse: it keeps the window in locals, touches the
     * fields only when a chunk ends, and calls nothing per number but the decoder's final {@code accept}, which the
     * JIT inlines.
     */
    boolean scanNumbers(RecordDecoder decoder, long count, long stopAt) throws IOException {
        byte[] b = buf;
        int p = pos;
        int end = limit;
        boolean sep = true; // a number may follow: after '[' or ','
        for (;;) {
            if (p >= end) {
                pos = p;
                sectionValues = count;
                if (!fill()) {
                    throw truncated();
                }
                b = buf;
                p = pos;
                end = limit;
                continue;
            }
            int c = b[p];
            if (c >= '0' && c <= '9') {
                if (!sep) {
                    throw unexpectedAt(p, count, c);
                }
                long v = c - '0';
                int digits = 1;
                p++;
                for (;;) {
                    // every chunk ends with a non-digit sentinel, so this loop needs no bounds check
                    int from = p;
                    int d;
                    while ((d = b[p] - '0') >= 0 && d <= 9) {
                        v = v * 10 + d;
                        p++;
                    }
                    digits += p - from;
                    if (digits > MAX_DIGITS) {
                        throw corrupt("a number too large in " + section);
                    }
                    if (p < end) {
                        break;
                    }
                    pos = p; // the chunk ended inside the number: it goes on in the next one
                    sectionValues = count;
                    if (!fill()) {
                        throw truncated();
                    }
                    b = buf;
                    p = pos;
                    end = limit;
                }
                decoder.accept(v);
                count++;
                sep = false;
            } else if (c == ',' && !sep) {
                sep = true;
                p++;
                if (count == stopAt) {
                    pos = p;
                    sectionValues = count;
                    return true;
                }
            } else if (c == ']' && (!sep || count == 0)) {
                pos = p + 1;
                sectionValues = count;
                return false;
            } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                p++;
            } else {
                throw unexpectedAt(p, count, c);
            }
        }
    }

    /** The numbers of an array whose meaning is not known yet (its header comes later), its '[' read. */
    LongList readAside() throws IOException {
        LongList list = new LongList();
        for (;;) {
            int c = nextNonWs();
            if (c == ']' && (list.size() == 0 || !separated)) {
                return list;
            }
            if (c == ',' && !separated) {
                separated = true;
                continue;
            }
            if (c < '0' || c > '9' || !separated) {
                throw unexpected(c);
            }
            long v = c - '0';
            for (int digits = 1; ; digits++) {
                if (pos >= limit && !fill()) {
                    throw truncated();
                }
                int d = buf[pos] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                if (digits == MAX_DIGITS) {
                    throw corrupt("a number too large in " + section);
                }
                v = v * 10 + d;
                pos++;
            }
            list.add(v);
            sectionValues++;
            separated = false;
        }
    }

    private SnapshotFormatException unexpectedAt(int p, long count, int c) {
        pos = p;
        sectionValues = count;
        return unexpected(c & 0xFF);
    }

    // ---- values skipped or captured -------------------------------------------------------------------------

    /** Skips one JSON value; with {@code capture}, copies its text there. */
    void skipValue(ByteArrayOutputStream capture) throws IOException {
        int c = nextNonWs();
        if (c < 0) {
            throw truncated();
        }
        if (capture != null) {
            capture.write(c);
        }
        if (c == '"') {
            skipString(capture);
            return;
        }
        if ((c == '{' || c == '[') && capture == null) {
            skipNested();
            return;
        }
        if (c == '{' || c == '[') {
            int depth = 1;
            while (depth > 0) {
                int d = nextByte();
                capture.write(d);
                if (d == '"') {
                    skipString(capture);
                } else if (d == '{' || d == '[') {
                    depth++;
                } else if (d == '}' || d == ']') {
                    depth--;
                }
            }
            return;
        }
        if (c == '}' || c == ']' || c == ',' || c == ':') {
            throw unexpected(c);
        }
        // a number or a literal: runs to the next separator
        for (;;) {
            if (pos >= limit && !fill()) {
                return;
            }
            int d = buf[pos];
            if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\n' || d == '\r' || d == '\t') {
                return;
            }
            pos++;
            if (capture != null) {
                capture.write(d);
            }
        }
    }

    /**
     * Skips an object or array whose opening bracket was read, through its closing one, over the window in locals
     * (V8's locations and trace tree, megabytes of numbers that no analysis reads, pass through here).
     */
    private void skipNested() throws IOException {
        int depth = 1;
        byte[] b = buf;
        int p = pos;
        int end = limit;
        for (;;) {
            if (p >= end) {
                pos = p;
                if (!fill()) {
                    throw truncated();
                }
                b = buf;
                p = pos;
                end = limit;
                continue;
            }
            int d = b[p++];
            if (d == '"') {
                pos = p;
                skipString(null);
                b = buf;
                p = pos;
                end = limit;
            } else if (d == '{' || d == '[') {
                depth++;
            } else if ((d == '}' || d == ']') && --depth == 0) {
                pos = p;
                return;
            }
        }
    }

    private void skipString(ByteArrayOutputStream capture) throws IOException {
        for (;;) {
            int d = nextByte();
            if (capture != null) {
                capture.write(d);
            }
            if (d == '\\') {
                int e = nextByte();
                if (capture != null) {
                    capture.write(e);
                }
            } else if (d == '"') {
                return;
            }
        }
    }

    /** A key, its opening quote read, through its closing one. */
    String readKey() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (;;) {
            int d = nextByte();
            if (d == '"') {
                return sb.toString();
            }
            if (d == '\\') {
                d = nextByte();
            }
            if (sb.length() > 200) {
                throw corrupt("a key longer than 200 characters");
            }
            sb.append((char) d);
        }
    }

    // ---- errors ---------------------------------------------------------------------------------------------

    SnapshotFormatException truncated() {
        String head = "truncated snapshot " + what + " (the file ends inside " + section;
        if (sectionTotal >= 0) {
            return new SnapshotFormatException(head + ", after " + sectionValues + " of " + sectionTotal + " numbers)");
        }
        if (section.equals("\"strings\"")) {
            return new SnapshotFormatException(head + ", after " + sectionValues + " strings)");
        }
        return new SnapshotFormatException(head + ")");
    }

    SnapshotFormatException corrupt(String detail) {
        return new SnapshotFormatException("corrupt snapshot " + what + " (" + detail + ")");
    }

    SnapshotFormatException unexpected(int c) {
        if (c < 0) {
            return truncated();
        }
        if (!recognized && section.equals(TOP_LEVEL)) {
            return new SnapshotFormatException("not a heap snapshot: " + what + " (malformed JSON: unexpected "
                    + describe(c) + ")");
        }
        return corrupt("unexpected " + describe(c) + " in " + section
                + (sectionValues > 0 ? " after " + sectionValues + " values" : ""));
    }

    static String describe(int c) {
        if (c >= 0x20 && c < 0x7f) {
            return "'" + (char) c + "'";
        }
        return String.format("byte 0x%02x", c & 0xFF);
    }
}
