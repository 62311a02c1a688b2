package dev.leakhunt.inspector;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Map;

/**
 * The envelope of one protocol message, found by one pass over its top-level keys that skips the values of
 * {@code result}, {@code error} and {@code params} (skipping a megabyte-long chunk string is a scan, not a
 * decode) and remembers where the one present starts. The order of the keys does not matter.
 *
 * @param id        the reply's id, or null for an event
 * @param method    the event's method, or null for a reply
 * @param bodyStart the offset of the value of {@code result}, {@code error} or {@code params}; -1 if none
 * @param isError   whether that value is an {@code error}
 */
record CdpMessage(Long id, String method, int bodyStart, boolean isError) {

    static CdpMessage scan(char[] buf, int length) throws IOException {
        Long id = null;
        String method = null;
        int bodyStart = -1;
        boolean isError = false;
        try (JsonParser parser = JsonTree.FACTORY.createParser(buf, 0, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (key) {
                    case "id" -> id = value == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : null;
                    case "method" -> method = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    case "result", "error", "params" -> {
                        if (value == JsonToken.START_OBJECT) {
                            bodyStart = (int) parser.currentTokenLocation().getCharOffset();
                            isError = key.equals("error");
                        }
                    }
                    default -> {
                    }
                }
                parser.skipChildren();
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new IOException("not a single JSON object");
            }
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(e.getOriginalMessage(), e);
        }
        if (id == null && method == null) {
            throw new IOException("neither \"id\" nor \"method\"");
        }
        return new CdpMessage(id, method, bodyStart, isError);
    }

    /** Reads the value at {@link #bodyStart()} as a JSON object. */
    Map<String, Object> body(char[] buf, int length, String what) throws IOException {
        try (JsonParser parser = JsonTree.FACTORY.createParser(buf, bodyStart, length - bodyStart)) {
            return JsonTree.object(JsonTree.read(parser), what);
        }
    }
}
