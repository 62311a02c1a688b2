package dev.leakhunt.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class JsonStringsTest {
    private static String decode(String json) throws IOException {
        StringWriter out = new StringWriter();
        char[] buf = ("xx" + json + ",\"next\"").toCharArray();
        long written = JsonStrings.decodeTo(buf, 2, buf.length, out);
        assertEquals(out.toString().length(), written);
        return out.toString();
    }

    @Test
    void decodesEveryEscape() throws IOException {
        assertEquals("", decode("\"\""));
        assertEquals("plain", decode("\"plain\""));
        assertEquals("a\"b\\c/d\be\ff\ng\rh\ti", decode("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\""));
        assertEquals("caf\u00e9 \ud83d\ude00", decode("\"caf\\u00E9 \\ud83d\\ude00\""));
        assertEquals("\\u0041 in a snapshot", decode("\"\\\\u0041 in a snapshot\""));
        assertEquals("\u4e2d", decode("\"\u4e2d\""));
    }

    @Test
    void longTextWithEscapesEverywhereComesOutWhole() throws IOException {
        // Longer than the decoder's scratch buffer, with escapes and runs falling on either side of its edges.
        StringBuilder json = new StringBuilder("\"");
        StringBuilder text = new StringBuilder();
        for (int row = 0; text.length() < 300_000; row++) {
            String run = row % 7 + "," + row + "," + "x".repeat(row % 23);
            json.append(run).append(row % 5 == 0 ? "\\u00e9" : "\\n");
            text.append(run).append(row % 5 == 0 ? '\u00e9' : '\n');
        }
        assertEquals(text.toString(), decode(json.append('"').toString()));
    }

    @Test
    void rejectsBrokenLiterals() {
        assertThrows(JsonStrings.Malformed.class, () -> JsonStrings.decodeTo("\"open".toCharArray(), 0, 5,
                new StringWriter()));
        assertThrows(JsonStrings.Malformed.class, () -> JsonStrings.decodeTo("\"\\x\"".toCharArray(), 0, 4,
                new StringWriter()));
        assertThrows(JsonStrings.Malformed.class, () -> JsonStrings.decodeTo("\"\\u12\"".toCharArray(), 0, 6,
                new StringWriter()));
        assertThrows(JsonStrings.Malformed.class, () -> JsonStrings.decodeTo("x".toCharArray(), 0, 1,
                new StringWriter()));
    }
}
