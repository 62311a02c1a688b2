package dev.leakhunt.inspector;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.util.Map;

/**
 * The envelope of one protocol message, found by one pass over its top-level keys that skips the values of
 * {@code result}, {@code error} and {@code params} and remembers where the one present starts. The order of the
 * keys does not matter.
 *
 * <p>The pass is written by hand rather than run by Jackson, because of what it skips: a heap snapshot arrives as
 * thousands of events of 100 KB or more, and Jackson's skip of a string checks every escape it passes (about
 * 3 ns a character, a second of CPU for a 300 MB snapshot); this skip only steps over them (under 1 ns). It
 * checks the structure (strings closed, brackets matched, nothing after the object) but not the scalars inside
 * the skipped values: whoever reads a body parses it with Jackson then, which checks the rest.
 *
 * @param id        the reply's id, or null for an event
 * @param method    the event's method, or null for a reply
 * @param bodyStart the offset of the value of {@code result}, {@code error} or {@code params}; -1 if none
 * @param isError   whether that value is an {@code error}
 */
record CdpMessage(Long id, String method, int bodyStart, boolean isError) {

    static CdpMessage scan(char[] buf, int length) throws IOException {
        return new Scanner(buf, length).envelope();
    }

    /** Reads the value at {@link #bodyStart()} as a JSON object. */
    Map<String, Object> body(char[] buf, int length, String what) throws IOException {
        try (JsonParser parser = JsonTree.FACTORY.createParser(buf, bodyStart, length - bodyStart)) {
            return JsonTree.object(JsonTree.read(parser), what);
        }
    }

    /** A cursor over one message; every method leaves {@code pos} just after what it read. */
    private static final class Scanner {
        private final char[] buf;
        private final int length;
        private int pos;

        Scanner(char[] buf, int length) {
            this.buf = buf;
            this.length = length;
        }

        CdpMessage envelope() throws IOException {
            Long id = null;
            String method = null;
            int bodyStart = -1;
            boolean isError = false;
            if (peek() != '{') {
                throw new IOException("not a JSON object");
            }
            pos++;
            boolean more = peek() != '}';
            while (more) {
                String key = string();
                expect(':');
                char first = peek();
                int valueStart = pos;
                switch (key) {
                    case "id" -> id = integer();
                    case "method" -> method = first == '"' ? string() : null;
                    case "result", "error", "params" -> {
                        if (first == '{') {
                            bodyStart = pos;
                            isError = key.equals("error");
                        }
                    }
                    default -> {
                    }
                }
                if (pos == valueStart) { // not read above: skipped
                    skipValue();
                }
                char next = peek();
                if (next != ',' && next != '}') {
                    throw at("expected ',' or '}'");
                }
                pos++;
                more = next == ',';
            }
            pos++;
            if (peek() != 0) {
                throw new IOException("not a single JSON object");
            }
            if (id == null && method == null) {
                throw new IOException("neither \"id\" nor \"method\"");
            }
            return new CdpMessage(id, method, bodyStart, isError);
        }

        /** Skips white space; returns the next character, or 0 at the end. */
        private char peek() {
            while (pos < length) {
                char c = buf[pos];
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                    return c;
                }
                pos++;
            }
            return 0;
        }

        private void expect(char c) throws IOException {
            if (peek() != c) {
                throw at("expected '" + c + "'");
            }
            pos++;
        }

        private IOException at(String what) {
            return new IOException(what + " at offset " + pos);
        }

        /** An integer, or null (and nothing read) for any other value. */
        private Long integer() {
            int start = pos;
            int i = start < length && buf[start] == '-' ? start + 1 : start;
            long value = 0;
            int digits = 0;
            for (; i < length && buf[i] >= '0' && buf[i] <= '9' && digits < 18; i++, digits++) {
                value = value * 10 + (buf[i] - '0');
            }
            boolean whole = digits > 0 && (i == length || ".eE0123456789".indexOf(buf[i]) < 0);
            if (!whole) {
                return null;
            }
            pos = i;
            return buf[start] == '-' ? -value : value;
        }

        /** A string, decoded (keys and method names: short). */
        private String string() throws IOException {
            if (peek() != '"') {
                throw at("expected a string");
            }
            int start = ++pos;
            StringBuilder decoded = null;
            while (pos < length) {
                char c = buf[pos++];
                if (c == '"') {
                    return decoded == null ? new String(buf, start, pos - 1 - start) : decoded.toString();
                }
                if (c == '\\') {
                    if (decoded == null) {
                        decoded = new StringBuilder().append(buf, start, pos - 1 - start);
                    }
                    decoded.append(escape());
                } else if (decoded != null) {
                    decoded.append(c);
                }
            }
            throw new IOException("unterminated string");
        }

        private char escape() throws IOException {
            if (pos >= length) {
                throw new IOException("unterminated string");
            }
            char c = buf[pos++];
            switch (c) {
                case '"', '\\', '/':
                    return c;
                case 'b':
                    return '\b';
                case 'f':
                    return '\f';
                case 'n':
                    return '\n';
                case 'r':
                    return '\r';
                case 't':
                    return '\t';
                case 'u':
                    if (pos + 4 <= length) {
                        int value = 0;
                        for (int end = pos + 4; pos < end; pos++) {
                            int digit = Character.digit(buf[pos], 16);
                            if (digit < 0) {
                                throw at("bad \\u escape");
                            }
                            value = value << 4 | digit;
                        }
                        return (char) value;
                    }
                    throw new IOException("unterminated string");
                default:
                    throw at("bad escape '\\" + c + "'");
            }
        }

        /**
         * Skips one value: a string, an object or array with everything in it (brackets matched with a stack, not
         * recursion), or a scalar.
         */
        private void skipValue() throws IOException {
            char[] open = new char[16];
            int depth = 0;
            do {
                char c = peek();
                switch (c) {
                    case '"' -> skipString();
                    case '{', '[' -> {
                        if (depth == open.length) {
                            open = java.util.Arrays.copyOf(open, depth * 2);
                        }
                        open[depth++] = c;
                        pos++;
                    }
                    case '}', ']' -> {
                        if (depth == 0 || open[depth - 1] != (c == '}' ? '{' : '[')) {
                            throw at("unexpected '" + c + "'");
                        }
                        depth--;
                        pos++;
                    }
                    case ',', ':' -> {
                        if (depth == 0) {
                            throw at("unexpected '" + c + "'");
                        }
                        pos++;
                    }
                    case 0 -> throw new IOException("unexpected end of message");
                    default -> skipScalar();
                }
            } while (depth > 0);
        }

        /** The hot loop of a heap snapshot's events: steps over the escapes, decodes nothing. */
        private void skipString() throws IOException {
            int i = pos + 1;
            while (i < length) {
                char c = buf[i++];
                if (c == '"') {
                    pos = i;
                    return;
                }
                if (c == '\\') {
                    i++;
                }
            }
            throw new IOException("unterminated string");
        }

        private void skipScalar() throws IOException {
            int start = pos;
            while (pos < length && isScalarChar(buf[pos])) {
                pos++;
            }
            if (pos == start) {
                throw at("unexpected character '" + buf[pos] + "'");
            }
        }

        private static boolean isScalarChar(char c) {
            return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E';
        }
    }
}
