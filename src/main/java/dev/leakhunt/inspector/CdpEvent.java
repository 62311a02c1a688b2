package dev.leakhunt.inspector;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Map;

/**
 * One protocol event ({@code {"method": …, "params": {…}}}) as handed to a handler. It reads from the
 * connection's receive buffer, so it is valid only during the handler call: keep what {@link #params()} returns,
 * never the event.
 */
final class CdpEvent {
    private final String method;
    private final char[] buf;
    private final int paramsStart;
    private final int end;

    /** {@code paramsStart} is the offset of the params object's {@code '{'}, or -1 if there are no params. */
    CdpEvent(String method, char[] buf, int paramsStart, int end) {
        this.method = method;
        this.buf = buf;
        this.paramsStart = paramsStart;
        this.end = end;
    }

    String method() {
        return method;
    }

    /** The params as a small JSON tree; an empty map if the event has none. */
    Map<String, Object> params() throws IOException {
        if (paramsStart < 0) {
            return Map.of();
        }
        try (JsonParser parser = JsonTree.FACTORY.createParser(buf, paramsStart, end - paramsStart)) {
            return JsonTree.object(JsonTree.read(parser), method + " params");
        }
    }

    /**
     * Decodes the string param {@code name} straight to {@code out}, without building a {@code String} of it,
     * and returns the number of bytes it adds.
     *
     * @throws JsonStringWriter.Malformed if there is no such string param, or it is not valid JSON
     * @throws IOException if {@code out} fails
     */
    long writeStringParam(String name, JsonStringWriter out) throws IOException {
        if (paramsStart >= 0) {
            try (JsonParser parser = JsonTree.FACTORY.createParser(buf, paramsStart, end - paramsStart)) {
                parser.nextToken();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    boolean wanted = name.equals(parser.currentName());
                    JsonToken value = parser.nextToken();
                    if (wanted && value == JsonToken.VALUE_STRING) {
                        // Offsets of a parser over (buf, paramsStart, …) count from paramsStart.
                        int quote = paramsStart + (int) parser.currentTokenLocation().getCharOffset();
                        return out.write(buf, quote, end);
                    }
                    parser.skipChildren();
                }
            }
        }
        throw new JsonStringWriter.Malformed(method + " event has no string param \"" + name + "\"");
    }
}
