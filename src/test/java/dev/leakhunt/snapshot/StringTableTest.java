package dev.leakhunt.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StringTableTest {

    private static void add(StringTable t, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        t.begin();
        // in two parts, as the reader appends runs between escapes
        t.append(b, 0, b.length / 2);
        for (int i = b.length / 2; i < b.length; i++) {
            t.append(b[i]);
        }
        t.end();
    }

    /**
     * Strings across several flushes of the 8 MiB buffer, one longer than the buffer, on disk and on the heap; with
     * room for fewer strings than come, for exactly as many, and for more.
     */
    @Test
    void fileAndHeapStoresGiveBackEveryString() {
        for (int variant = 0; variant < 4; variant++) {
            boolean useFile = variant != 1;
            int room = new int[] {0, 0, 30_001, 40_000}[variant];
            StringTable t = new StringTable(useFile, room);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 30_000; i++) {
                String s = "s" + i + "é".repeat(i % 300) + "x".repeat((i * 37) % 1000);
                expected.add(s);
                add(t, s);
                if (i == 12_345) {
                    String huge = "H".repeat(9 << 20) + "😀";
                    expected.add(huge);
                    add(t, huge);
                }
            }
            t.trim();
            assertEquals(expected.size(), t.size());
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i), t.get(i), "string " + i + (useFile ? " from the file" : " from the heap"));
            }
            assertEquals(expected.get(12_346).getBytes(StandardCharsets.UTF_8).length, t.byteLength(12_346));
            assertTrue(t.equalsAscii(0, "s0"));
            assertFalse(t.equalsAscii(1, "s0"));
            assertEquals(0, t.indexOf("s0"));
            assertEquals("HHHH…", t.preview(12_346, 4));
            assertEquals("s1é…", t.preview(1, 4), "a preview does not cut a UTF-8 sequence");
        }
    }
}
