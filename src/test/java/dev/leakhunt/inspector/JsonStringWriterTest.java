package dev.leakhunt.inspector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonStringWriterTest {
    /** Writes each literal in turn, as the chunks of one snapshot, and returns the bytes that came out. */
    private static byte[] write(String... literals) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonStringWriter writer = new JsonStringWriter(out);
        long added = 0;
        for (String json : literals) {
            char[] buf = ("xx" + json + ",\"next\"").toCharArray();
            added += writer.write(buf, 2, buf.length);
        }
        added += writer.flush();
        assertEquals(out.size(), added, "the counts add up to what the stream received");
        return out.toByteArray();
    }

    private static String decode(String... literals) throws IOException {
        return new String(write(literals), StandardCharsets.UTF_8);
    }

    @Test
    void decodesEveryEscape() throws IOException {
        assertEquals("", decode("\"\""));
        assertEquals("plain", decode("\"plain\""));
        assertEquals("a\"b\\c/d\be\ff\ng\rh\ti", decode("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\""));
        assertEquals("caf\u00e9 \ud83d\ude00", decode("\"caf\\u00E9 \\ud83d\\ude00\""));
        assertEquals("\\u0041 in a snapshot", decode("\"\\\\u0041 in a snapshot\""));
        assertEquals("\u4e2d \u00e9 \ud83d\ude00", decode("\"\u4e2d \u00e9 \ud83d\ude00\""));
    }

    @Test
    void encodesAsJavasOwnUtf8Does() throws IOException {
        String text = "a\u007f\u0080\u07ff\u0800\uffff\ud800\udc00\udbff\udfff\ud83d\ude00z";
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), write("\"" + text + "\""));
    }

    @Test
    void aSurrogatePairSplitBetweenTwoLiteralsIsJoined() throws IOException {
        assertEquals("x\ud83d\ude00y", decode("\"x\\ud83d\"", "\"\\ude00y\""));
        assertEquals("x\ud83d\ude00y", decode("\"x\ud83d\"", "\"\ude00y\""));
    }

    @Test
    void aLoneSurrogateBecomesAQuestionMark() throws IOException {
        assertEquals("a?b", decode("\"a\\ud83db\""));
        assertEquals("a?b", decode("\"a\\ude00b\""));
        assertEquals("a??", decode("\"a\\ud83d\\ud83d\""), "a high surrogate waiting at the end is written too");
        assertEquals("a?\u00e9", decode("\"a\ud83d\u00e9\""));
    }

    @Test
    void longTextWithEscapesEverywhereComesOutWhole() throws IOException {
        // Longer than the writer's scratch buffer, with escapes and runs falling on either side of its edges.
        StringBuilder json = new StringBuilder("\"");
        StringBuilder text = new StringBuilder();
        for (int row = 0; text.length() < 300_000; row++) {
            String run = row % 7 + "," + row + "," + "x".repeat(row % 23);
            String[] escapes = {"\\u00e9", "\\n", "\\ud83d\\ude00", "\\\"", "\u4e2d"};
            String[] decoded = {"\u00e9", "\n", "\ud83d\ude00", "\"", "\u4e2d"};
            json.append(run).append(escapes[row % 5]);
            text.append(run).append(decoded[row % 5]);
        }
        assertEquals(text.toString(), decode(json.append('"').toString()));
    }

    @Test
    void rejectsBrokenLiterals() {
        for (String broken : new String[] {"\"open", "\"\\x\"", "\"\\u12\"", "x", "\"ends in \\"}) {
            JsonStringWriter writer = new JsonStringWriter(new ByteArrayOutputStream());
            char[] buf = broken.toCharArray();
            assertThrows(JsonStringWriter.Malformed.class, () -> writer.write(buf, 0, buf.length), broken);
        }
    }
}
