package dev.leakhunt.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CdpMessageTest {
    private static CdpMessage scan(String json) throws IOException {
        char[] buf = (json + "garbage past the length").toCharArray();
        return CdpMessage.scan(buf, json.length());
    }

    private static String reason(String json) {
        return assertThrows(IOException.class, () -> scan(json), json).getMessage();
    }

    @Test
    void findsIdMethodAndBodyInAnyOrder() throws IOException {
        String json = "{\"id\":42,\"result\":{\"result\":{\"type\":\"string\",\"value\":\"}]\\\"{\"}}}";
        CdpMessage reply = scan(json);
        assertEquals(42L, reply.id());
        assertNull(reply.method());
        assertEquals(json.indexOf('{', 1), reply.bodyStart());
        assertFalse(reply.isError());

        String event = " {\n\"params\" : {\"chunk\":\"a\\\"b\\\\\",\"n\":[1,{\"x\":[]},-2.5e3,true,null]} ,"
                + "\"method\"\t:\"HeapProfiler.addHeapSnapshotChunk\"}\n";
        CdpMessage e = scan(event);
        assertNull(e.id());
        assertEquals("HeapProfiler.addHeapSnapshotChunk", e.method());
        assertEquals(event.indexOf('{', 2), e.bodyStart());

        CdpMessage error = scan("{\"error\":{\"code\":-32000,\"message\":\"no\"},\"id\":7,\"sessionId\":\"s\"}");
        assertEquals(7L, error.id());
        assertTrue(error.isError());
        assertEquals(9, error.bodyStart());
    }

    @Test
    void keysAndMethodMayBeEscaped() throws IOException {
        String json = "{\"\\u006dethod\":\"a\\/b\\u00e9\",\"\\u0070arams\":{}}";
        CdpMessage m = scan(json);
        assertEquals("a/b\u00e9", m.method());
        assertEquals(json.indexOf("{}"), m.bodyStart());
    }

    @Test
    void anIdThatIsNotAnIntegerIsNoId() throws IOException {
        for (String id : List.of("1.5", "\"1\"", "1e3", "12345678901234567890", "null", "[1]")) {
            CdpMessage m = scan("{\"id\":" + id + ",\"method\":\"m\"}");
            assertNull(m.id(), id);
            assertEquals("m", m.method());
        }
        assertEquals(-3L, scan("{\"id\":-3}").id());
        assertEquals(123456789012345678L, scan("{\"id\":123456789012345678}").id());
    }

    @Test
    void aBodyThatIsNotAnObjectIsNoBody() throws IOException {
        assertEquals(-1, scan("{\"id\":1,\"result\":[1,2]}").bodyStart());
        assertEquals(-1, scan("{\"id\":1,\"result\":\"{\"}").bodyStart());
    }

    @Test
    void agreesWithJacksonOnWhatTheClientWrites() throws IOException {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("chunk", "{\"snapshot\":{\"meta\":{}},\n\"nodes\":[1,2],\"strings\":[\"a\\\\b\",\"\u00e9\u4e2d\"]}");
        params.put("nested", List.of(Map.of("k", List.of()), "]}", 3.25, -1L, true));
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("method", "HeapProfiler.addHeapSnapshotChunk");
        message.put("params", params);
        String json = JsonTree.toJson(message);
        CdpMessage m = scan(json);
        char[] buf = json.toCharArray();
        assertEquals(params, new CdpEvent(m.method(), buf, m.bodyStart(), buf.length).params());
    }

    @Test
    void malformedMessagesAreRefusedWithTheReason() {
        assertEquals("not a JSON object", reason("[1]"));
        assertEquals("not a JSON object", reason(""));
        assertEquals("not a single JSON object", reason("{\"id\":1}{\"id\":2}"));
        assertEquals("not a single JSON object", reason("{\"id\":1} x"));
        assertEquals("neither \"id\" nor \"method\"", reason("{\"params\":{}}"));
        assertEquals("neither \"id\" nor \"method\"", reason("{}"));
        assertEquals("unterminated string", reason("{\"method\":\"m\",\"params\":{\"chunk\":\"abc\\\"}}"));
        assertEquals("unterminated string", reason("{\"method\":\"m"));
        assertEquals("unexpected ']' at offset 27", reason("{\"method\":\"m\",\"params\":{\"a\"]}"));
        assertEquals("unexpected end of message", reason("{\"method\":\"m\",\"params\":{\"a\":[1,2"));
        assertEquals("expected ':' at offset 10", reason("{\"method\" \"m\"}"));
        assertEquals("expected ',' or '}' at offset 14", reason("{\"method\":\"m\" \"id\":1}"));
        assertEquals("expected a string at offset 1", reason("{id:1}"));
        assertEquals("bad escape '\\x' at offset 5", reason("{\"a\\x\":1}"));
        assertEquals("unexpected character '#' at offset 6", reason("{\"x\":[#],\"id\":1}"));
    }
}
