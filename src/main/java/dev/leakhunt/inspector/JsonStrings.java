package dev.leakhunt.inspector;

import java.io.IOException;
import java.io.Writer;

/**
 * Decodes one JSON string literal straight from a message buffer to a {@link Writer}, in runs: the unescaped
 * stretches between escapes are written as slices of the buffer, so a megabyte-sized heap snapshot chunk is
 * decoded without building a {@code String} or any other copy of it.
 */
final class JsonStrings {
    private JsonStrings() {
    }

    /** The text is not what the protocol promised, as opposed to a failure of the writer. */
    static final class Malformed extends IOException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /**
     * Writes the decoded content of the string literal whose opening quote is at {@code quote} and returns the
     * number of chars written.
     *
     * @throws Malformed if the literal is malformed or not closed before {@code end}
     * @throws IOException if the writer fails
     */
    static long decodeTo(char[] buf, int quote, int end, Writer out) throws IOException {
        if (quote >= end || buf[quote] != '"') {
            throw new Malformed("expected a JSON string at offset " + quote);
        }
        long written = 0;
        int runStart = quote + 1;
        int i = runStart;
        while (i < end) {
            char c = buf[i];
            if (c == '"') {
                out.write(buf, runStart, i - runStart);
                return written + (i - runStart);
            }
            if (c != '\\') {
                i++;
                continue;
            }
            out.write(buf, runStart, i - runStart);
            written += i - runStart;
            if (i + 1 >= end) {
                break;
            }
            char escaped = buf[i + 1];
            int consumed = 2;
            char decoded = switch (escaped) {
                case '"', '\\', '/' -> escaped;
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> {
                    consumed = 6;
                    yield hex4(buf, i + 2, end);
                }
                default -> throw new Malformed("bad escape '\\" + escaped + "' in JSON string at offset " + i);
            };
            out.write(decoded);
            written++;
            i += consumed;
            runStart = i;
        }
        throw new Malformed("unterminated JSON string starting at offset " + quote);
    }

    private static char hex4(char[] buf, int from, int end) throws IOException {
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
