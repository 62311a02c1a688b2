package dev.leakhunt.inspector;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small JSON values as plain Java objects, read and written with jackson-core's streaming API: objects are
 * {@code Map<String, Object>} (in document order), arrays {@code List<Object>}, numbers {@code Long} or
 * {@code Double}, plus {@code String}, {@code Boolean} and {@code null}. Only for the small messages of the
 * protocol; heap snapshot chunks never pass through here.
 */
final class JsonTree {
    static final JsonFactory FACTORY = new JsonFactory();

    private JsonTree() {
    }

    /** Reads the value at the parser's next token (or its current one, if it has not started). */
    static Object read(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken() == null ? parser.nextToken() : parser.currentToken();
        if (token == null) {
            throw new IOException("unexpected end of JSON input");
        }
        return switch (token) {
            case START_OBJECT -> readObject(parser);
            case START_ARRAY -> readArray(parser);
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT -> parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? (Object) parser.getDoubleValue() : (Object) parser.getLongValue(); // no promotion to double
            case VALUE_NUMBER_FLOAT -> (Object) parser.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IOException("unexpected JSON token " + token);
        };
    }

    /** Parses one complete JSON text. */
    static Object parse(String text) throws IOException {
        try (JsonParser parser = FACTORY.createParser(text)) {
            Object value = read(parser);
            if (parser.nextToken() != null) {
                throw new IOException("trailing characters after JSON value");
            }
            return value;
        }
    }

    private static Map<String, Object> readObject(JsonParser parser) throws IOException {
        Map<String, Object> object = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            object.put(name, read(parser));
        }
        return object;
    }

    private static List<Object> readArray(JsonParser parser) throws IOException {
        List<Object> array = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            array.add(read(parser));
        }
        return array;
    }

    static String toJson(Object value) {
        StringWriter text = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(text)) {
            write(generator, value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen writing to a StringWriter", e);
        }
        return text.toString();
    }

    static void write(JsonGenerator generator, Object value) throws IOException {
        if (value == null) {
            generator.writeNull();
        } else if (value instanceof Map<?, ?> map) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                generator.writeFieldName(String.valueOf(entry.getKey()));
                write(generator, entry.getValue());
            }
            generator.writeEndObject();
        } else if (value instanceof List<?> list) {
            generator.writeStartArray();
            for (Object element : list) {
                write(generator, element);
            }
            generator.writeEndArray();
        } else if (value instanceof String s) {
            generator.writeString(s);
        } else if (value instanceof Boolean b) {
            generator.writeBoolean(b);
        } else if (value instanceof Integer || value instanceof Long) {
            generator.writeNumber(((Number) value).longValue());
        } else if (value instanceof Number n) {
            generator.writeNumber(n.doubleValue());
        } else {
            throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
    }

    // Typed accessors for replies; each names what was expected so that a malformed reply reads clearly.

    static Map<String, Object> object(Object value, String what) throws IOException {
        if (value instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> object = (Map<String, Object>) map;
            return object;
        }
        throw new IOException(what + " is not a JSON object: " + abbreviate(value));
    }

    static String string(Map<String, Object> object, String key, String what) throws IOException {
        if (object.get(key) instanceof String s) {
            return s;
        }
        throw new IOException(what + " has no string \"" + key + "\": " + abbreviate(object));
    }

    static long number(Map<String, Object> object, String key, String what) throws IOException {
        Object value = object.get(key);
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof Double d && d == Math.rint(d)) {
            return d.longValue();
        }
        throw new IOException(what + " has no integer \"" + key + "\": " + abbreviate(object));
    }

    static String abbreviate(Object value) {
        String text = value instanceof String s ? s : toJsonOrString(value);
        return text.length() <= 120 ? text : text.substring(0, 117) + "...";
    }

    private static String toJsonOrString(Object value) {
        try {
            return toJson(value);
        } catch (IllegalArgumentException e) {
            return String.valueOf(value);
        }
    }
}
