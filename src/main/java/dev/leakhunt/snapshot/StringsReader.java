package dev.leakhunt.snapshot;

import java.io.IOException;

/**
 * Reads the {@code strings} array into a {@link StringTable} as UTF-8. V8 writes ASCII with {@code \\uXXXX}
 * escapes; a surrogate pair becomes one 4-byte sequence and a lone surrogate U+FFFD.
 */
final class StringsReader {
    private StringsReader() {
    }

    /** The elements of the strings array, its '[' read, through its ']', into {@code table}. */
    static void read(JsonScanner s, StringTable table) throws IOException {
        int c = s.nextNonWs();
        if (c == ']') {
            table.trim();
            return;
        }
        for (;;) {
            if (c != '"') {
                throw s.unexpected(c);
            }
            readString(s, table);
            s.counted();
            c = s.nextNonWs();
            if (c == ']') {
                break;
            }
            if (c != ',') {
                throw s.unexpected(c);
            }
            c = s.nextNonWs();
        }
        table.trim();
    }

    /** Decodes one JSON string, its opening quote already read, into the table: runs without escapes at once. */
    private static void readString(JsonScanner s, StringTable table) throws IOException {
        table.begin();
        int pendingHigh = -1;
        for (;;) {
            if (s.pos >= s.limit && !s.fill()) {
                throw s.truncated();
            }
            byte[] b = s.buf;
            int run = s.pos;
            int end = s.limit;
            int p = run;
            while (p < end && b[p] != '"' && b[p] != '\\') {
                p++;
            }
            if (p > run) {
                if (pendingHigh >= 0) {
                    utf8(table, 0xFFFD);
                    pendingHigh = -1;
                }
                table.append(b, run, p - run);
            }
            s.pos = p;
            if (p == end) {
                continue;
            }
            s.pos++;
            if (b[p] == '"') {
                if (pendingHigh >= 0) {
                    utf8(table, 0xFFFD);
                }
                table.end();
                return;
            }
            int e = s.nextByte();
            if (e == 'u') {
                int unit = 0;
                for (int i = 0; i < 4; i++) {
                    int h = Character.digit(s.nextByte(), 16);
                    if (h < 0) {
                        throw s.corrupt("a bad \\u escape in string " + s.sectionValues());
                    }
                    unit = (unit << 4) | h;
                }
                if (Character.isLowSurrogate((char) unit) && pendingHigh >= 0) {
                    utf8(table, Character.toCodePoint((char) pendingHigh, (char) unit));
                    pendingHigh = -1;
                    continue;
                }
                if (pendingHigh >= 0) {
                    utf8(table, 0xFFFD);
                    pendingHigh = -1;
                }
                if (Character.isHighSurrogate((char) unit)) {
                    pendingHigh = unit;
                } else {
                    utf8(table, Character.isLowSurrogate((char) unit) ? 0xFFFD : unit);
                }
                continue;
            }
            if (pendingHigh >= 0) {
                utf8(table, 0xFFFD);
                pendingHigh = -1;
            }
            switch (e) {
                case '"', '\\', '/' -> table.append((byte) e);
                case 'n' -> table.append((byte) '\n');
                case 't' -> table.append((byte) '\t');
                case 'r' -> table.append((byte) '\r');
                case 'b' -> table.append((byte) '\b');
                case 'f' -> table.append((byte) '\f');
                default -> throw s.corrupt("a bad escape \\" + (char) e + " in string " + s.sectionValues());
            }
        }
    }

    private static void utf8(StringTable t, int cp) {
        if (cp < 0x80) {
            t.append((byte) cp);
        } else if (cp < 0x800) {
            t.append((byte) (0xC0 | cp >> 6));
            t.append((byte) (0x80 | cp & 0x3F));
        } else if (cp < 0x10000) {
            t.append((byte) (0xE0 | cp >> 12));
            t.append((byte) (0x80 | cp >> 6 & 0x3F));
            t.append((byte) (0x80 | cp & 0x3F));
        } else {
            t.append((byte) (0xF0 | cp >> 18));
            t.append((byte) (0x80 | cp >> 12 & 0x3F));
            t.append((byte) (0x80 | cp >> 6 & 0x3F));
            t.append((byte) (0x80 | cp & 0x3F));
        }
    }
}
