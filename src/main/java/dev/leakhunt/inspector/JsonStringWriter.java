package dev.leakhunt.inspector;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes the text of JSON string literals, straight from a message buffer, to a byte stream as UTF-8: one pass
 * that decodes the escapes and encodes the characters into a scratch array, which goes to the stream whenever it
 * fills. No {@code String} of the text is built, and no {@code Writer} or charset encoder runs.
 *
 * <p>This is the hot loop of a capture: a heap snapshot arrives as a few thousand string literals of 100 KB or so,
 * with an escaped quote or newline every dozen characters. A loop that handed each run between escapes to a
 * {@code Writer} took about 6 ns per character; this one takes about 1.
 *
 * <p>A surrogate pair may be split between two literals (the chunks of a heap snapshot cut its text anywhere), so
 * a high surrogate waits here for its other half; a surrogate without its other half is written as {@code '?'},
 * as Java's own UTF-8 encoder writes it.
 */
final class JsonStringWriter {
    private static final int SCRATCH_BYTES = 64 * 1024;
    private static final int LONGEST_CHAR = 4; // bytes, for a '?' left by a lone high surrogate and 3 more

    private final OutputStream out;
    private final byte[] bytes = new byte[SCRATCH_BYTES];
    private int length;
    private char high; // a high surrogate waiting for its low half, or 0

    JsonStringWriter(OutputStream out) {
        this.out = out;
    }

    /** The text is not what the protocol promised, as opposed to a failure of the stream. */
    static final class Malformed extends IOException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /**
     * Writes the decoded content of the string literal whose opening quote is at {@code quote}; returns the
     * number of bytes it adds to the stream (some may wait in the scratch for the next call or {@link #flush}).
     *
     * @throws Malformed if the literal is malformed or not closed before {@code end}
     * @throws IOException if the stream fails
     */
    long write(char[] buf, int quote, int end) throws IOException {
        if (quote >= end || buf[quote] != '"') {
            throw new Malformed("expected a JSON string at offset " + quote);
        }
        byte[] b = bytes;
        int o = length;
        long added = -o; // bytes an earlier call left in the scratch are its own
        int i = quote + 1;
        while (true) {
            int run = i; // a run of plain ASCII: found by one loop, copied by another (which the JIT vectorizes)
            while (run < end && isPlain(buf[run])) {
                run++;
            }
            while (i < run) {
                if (o == b.length) {
                    out.write(b, 0, o);
                    added += o;
                    o = 0;
                }
                int n = Math.min(run - i, b.length - o);
                for (int k = 0; k < n; k++) {
                    b[o + k] = (byte) buf[i + k];
                }
                o += n;
                i += n;
            }
            if (i >= end) {
                break;
            }
            char c = buf[i++];
            if (c == '"') {
                length = o;
                return added + o;
            }
            if (c == '\\') {
                if (i >= end) {
                    break;
                }
                c = unescape(buf, i, end);
                i += buf[i] == 'u' ? 5 : 1;
            }
            if (o > b.length - LONGEST_CHAR) {
                out.write(b, 0, o);
                added += o;
                o = 0;
            }
            o = encode(c, b, o);
        }
        length = o;
        throw new Malformed("unterminated JSON string starting at offset " + quote);
    }

    /** ASCII that needs neither decoding nor encoding, while no high surrogate waits (see the loop above). */
    private boolean isPlain(char c) {
        return c < 0x80 && c != '"' && c != '\\' && high == 0;
    }

    /**
     * Writes out the scratch, with a '?' for a high surrogate still waiting; returns the bytes it added that no
     * {@link #write} counted: 1 for that '?', else 0.
     */
    int flush() throws IOException {
        int lone = 0;
        if (high != 0) {
            high = 0;
            bytes[length++] = '?';
            lone = 1;
        }
        out.write(bytes, 0, length);
        length = 0;
        out.flush();
        return lone;
    }

    /** The character an escape stands for; {@code i} is the offset of the character after the backslash. */
    private static char unescape(char[] buf, int i, int end) throws Malformed {
        char escaped = buf[i];
        return switch (escaped) {
            case '"', '\\', '/' -> escaped;
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'u' -> hex4(buf, i + 1, end);
            default -> throw new Malformed("bad escape '\\" + escaped + "' in JSON string at offset " + (i - 1));
        };
    }

    /** UTF-8 of one UTF-16 unit at {@code b[o]}, pairing surrogates; returns the new length. */
    private int encode(char c, byte[] b, int o) {
        if (high != 0) {
            if (Character.isLowSurrogate(c)) {
                int cp = Character.toCodePoint(high, c);
                high = 0;
                b[o] = (byte) (0xf0 | cp >> 18);
                b[o + 1] = (byte) (0x80 | cp >> 12 & 0x3f);
                b[o + 2] = (byte) (0x80 | cp >> 6 & 0x3f);
                b[o + 3] = (byte) (0x80 | cp & 0x3f);
                return o + 4;
            }
            high = 0;
            b[o++] = '?';
        }
        if (c < 0x80) {
            b[o] = (byte) c;
            return o + 1;
        }
        if (c < 0x800) {
            b[o] = (byte) (0xc0 | c >> 6);
            b[o + 1] = (byte) (0x80 | c & 0x3f);
            return o + 2;
        }
        if (Character.isHighSurrogate(c)) {
            high = c;
            return o;
        }
        if (Character.isLowSurrogate(c)) {
            b[o] = '?';
            return o + 1;
        }
        b[o] = (byte) (0xe0 | c >> 12);
        b[o + 1] = (byte) (0x80 | c >> 6 & 0x3f);
        b[o + 2] = (byte) (0x80 | c & 0x3f);
        return o + 3;
    }

    private static char hex4(char[] buf, int from, int end) throws Malformed {
        if (from + 4 > end) {
            throw new Malformed("truncated \\u escape in JSON string at offset " + (from - 2));
        }
        int value = 0;
        for (int i = from; i < from + 4; i++) {
            int digit = Character.digit(buf[i], 16);
            if (digit < 0) {
                throw new Malformed("bad \\u escape in JSON string at offset " + (from - 2));
            }
            value = value << 4 | digit;
        }
        return (char) value;
    }
}
