package dev.leakhunt.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus of corrupted and re-encoded snapshots, written here from one base: every one is either refused with one
 * line ({@link SnapshotFormatException}) or read exactly as written, on one thread and on two (the edges split from
 * the first byte on, in small segments): never a silently different answer.
 */
class CorruptCorpusTest {
    private static final long[] EDGE_VALUES = {1L << 31, (1L << 32) - 1, 1L << 32, 1L << 53, Long.MAX_VALUE / 10,
            999_999_999_999_999_999L};

    @TempDir
    Path dir;
    private int files;

    /** A small heap with every kind of edge, a big size, and a string shared by names and edges. */
    private static SnapshotBuilder base() {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 24);
        b.edge(b.root(), "shortcut", "global", global);
        int list = b.node("object", "Array", 32);
        b.prop(global, "list", list);
        for (int i = 0; i < 6; i++) {
            int ab = b.node("object", "ArrayBuffer", 80);
            int store = b.node("native", "system / JSArrayBufferData", 1000L * (i + 1));
            b.edge(list, "element", i, ab).edge(ab, "internal", "backing_store", store).edge(ab, "hidden", i, list);
        }
        b.node("native", "system / JSArrayBufferData", 5_000_000_000L, 3_000_000_002L);
        return b;
    }

    /** Everything the reader keeps, as text: equal texts, equal answers. */
    private static String describe(HeapSnapshot s) {
        StringBuilder sb = new StringBuilder().append(s.rootOrdinal()).append('\n');
        for (int n = 0; n < s.nodeCount(); n++) {
            sb.append(s.nodeTypeName(n)).append(' ').append(s.nodeName(n)).append(" #").append(s.nodeIdLong(n))
                    .append(" =").append(s.selfSize(n)).append(" [");
            for (int e = s.firstEdge(n); e < s.endEdge(n); e++) {
                boolean indexed = s.edgeTypeName(e).equals("element") || s.edgeTypeName(e).equals("hidden");
                sb.append(s.edgeTypeName(e)).append(':').append(indexed
                        ? Integer.toUnsignedString(s.edgeNameOrIndex(e)) : s.strings().get(s.edgeNameOrIndex(e)))
                        .append("->").append(s.edgeTo(e)).append(' ');
            }
            sb.append("]\n");
        }
        return sb.append(s.strings().size()).append(" strings").toString();
    }

    /** What both readers say of the text: its description, or "refused: <message>". */
    private String read(String json) throws IOException {
        Path file = Files.writeString(dir.resolve("c" + files++ + ".heapsnapshot"), json, StandardCharsets.US_ASCII);
        String one = readWith(new SnapshotReader(file));
        String two = readWith(new SnapshotReader(file).splitEdges(0, 64));
        assertEquals(one, two, "one thread and two judge alike");
        return one;
    }

    private static String readWith(SnapshotReader reader) throws IOException {
        try {
            return describe(reader.read());
        } catch (SnapshotFormatException e) {
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            return "refused: " + e.getMessage();
        }
    }

    private static boolean refused(String answer) {
        return answer.startsWith("refused: ");
    }

    @Test
    void truncationsAtEveryOffsetAreRefusedOrReadWhole() throws IOException {
        String json = base().toJson();
        String whole = read(json);
        assertFalse(refused(whole), whole);
        for (int cut = 0; cut < json.length(); cut += cut < 400 ? 1 : 7) {
            String answer = read(json.substring(0, cut));
            assertTrue(refused(answer) || answer.equals(whole), "cut at " + cut + ": " + answer);
            if (cut < json.length() - 2) {
                assertTrue(refused(answer), "a cut before the end is refused, at " + cut);
            }
        }
    }

    @Test
    void aSecondHeaderOrArrayIsRefusedWhereverItStands() throws IOException {
        String json = base().toJson();
        String header = json.substring(json.indexOf("\"snapshot\":"), json.indexOf(",\n\"nodes\""));
        String nodes = json.substring(json.indexOf("\"nodes\":"), json.indexOf(",\n\"edges\""));
        List<String> variants = List.of(
                json.replace("\n\"edges\":", "\n" + header + ",\n\"edges\":"),                   // after nodes
                json.replace("}\n", "," + header + "}\n"),                                       // after strings
                json.replace("\"trace_function_infos\"", nodes + ",\"trace_function_infos\""),   // between edges and strings
                json.replace("\"trace_tree\"", "\"strings\":[\"x\"],\"trace_tree\""),             // strings twice
                json.replace("\"samples\"", "\"edges\":[],\"samples\""));
        for (String variant : variants) {
            String answer = read(variant);
            assertTrue(answer.startsWith("refused: corrupt snapshot") && answer.contains("a second \""), answer);
        }
    }

    @Test
    void numbersPastTheirFieldsRangeAreRefusedNeverWrapped() throws IOException {
        String json = base().toJson();
        String whole = read(json);
        Matcher edges = Pattern.compile("\"edges\":\\[([^\\]]*)\\]").matcher(json);
        assertTrue(edges.find());
        String[] numbers = edges.group(1).split(",\\s*");
        for (int field = 0; field < 3; field++) { // type, name_or_index, to_node of every edge in turn
            for (long value : EDGE_VALUES) {
                for (int edge = 0; edge * 3 < numbers.length; edge++) {
                    String[] changed = numbers.clone();
                    changed[edge * 3 + field] = Long.toString(value);
                    String answer = read(json.substring(0, edges.start(1)) + String.join(",", changed)
                            + json.substring(edges.end(1)));
                    boolean exactIndex = field == 1 && value <= 0xFFFF_FFFFL && answer.contains(":" + value + "->");
                    assertTrue(refused(answer) || exactIndex, "edge " + edge + " field " + field + " = " + value
                            + ": " + answer);
                    assertFalse(answer.equals(whole));
                }
            }
        }
    }

    @Test
    void nodeFieldsPastTheirRangeAreRefusedOrReadExactly() throws IOException {
        String json = base().toJson();
        Matcher nodes = Pattern.compile("\"nodes\":\\[([^\\]]*)\\]").matcher(json);
        assertTrue(nodes.find());
        String[] numbers = nodes.group(1).split(",\\s*");
        for (int field = 0; field < 7; field++) {
            for (long value : EDGE_VALUES) {
                String[] changed = numbers.clone();
                changed[7 * 9 + field] = Long.toString(value); // node 9, an ArrayBuffer
                String answer = read(json.substring(0, nodes.start(1)) + String.join(",", changed)
                        + json.substring(nodes.end(1)));
                switch (field) {
                    case 2 -> assertTrue(refused(answer) == value > 0xFFFF_FFFFL
                            && (refused(answer) || answer.contains(" #" + value + " ")), "id " + value + ": " + answer);
                    case 3 -> assertTrue(answer.contains(" =" + value + " "), "self size " + value + ": " + answer);
                    case 5, 6 -> assertFalse(refused(answer), "trace node id and detachedness are not read");
                    default -> assertTrue(refused(answer), "field " + field + " = " + value + ": " + answer);
                }
            }
        }
    }

    @Test
    void aRootIndexOrCountsPastTheFileAreRefused() throws IOException {
        String json = base().toJson();
        String root = json.replace("\"trace_function_count\":0", "\"trace_function_count\":0,\"root_index\":"
                + 7 * ((1L << 32) + 5));
        assertTrue(read(root).contains("root_index 30064771107 is not the field index of one of the"), read(root));
        assertTrue(read(json.replace("\"trace_function_count\":0", "\"trace_function_count\":0,\"root_index\":3"))
                .contains("root_index 3 is not the field index"));
        assertTrue(read(json.replace("\"trace_function_count\":0", "\"trace_function_count\":0,\"root_index\":-7"))
                .contains("\"root_index\" is '-7', not a whole number"));
        assertTrue(read(json.replace("\"trace_function_count\":0", "\"trace_function_count\":0,\"root_index\":7.0"))
                .contains("\"root_index\" is '7.0', not a whole number"));
        String huge = read(json.replaceFirst("\"node_count\":\\d+", "\"node_count\":500000000"));
        assertTrue(huge.contains("the header claims 500000000 nodes") && huge.contains("more than a file of its size"),
                huge);
        assertTrue(read(json.replaceFirst("\"edge_count\":\\d+", "\"edge_count\":99999999999")).contains("refused"));
    }

    @Test
    void fieldsInAnotherOrderReadAsTheBase() throws IOException {
        SnapshotBuilder b = base();
        String json = b.toJson();
        String whole = read(json);
        // node fields reversed: their names, their type lists and every record's numbers
        String permuted = permute(json, "node_fields", "node_types", "nodes", new int[] {6, 5, 4, 3, 2, 1, 0});
        permuted = permute(permuted, "edge_fields", "edge_types", "edges", new int[] {2, 0, 1});
        assertFalse(permuted.equals(json));
        String edgeToFirst = permuted.substring(permuted.indexOf("\"edge_fields\""), permuted.indexOf("\"edge_types\""));
        assertTrue(edgeToFirst.startsWith("\"edge_fields\":[\"to_node\""), edgeToFirst);
        assertEquals(whole, read(permuted), "the type names are read from the field named \"type\"");
    }

    /**
     * The text with the fields of {@code fieldsKey}/{@code typesKey} and the records of {@code arrayKey} in a new
     * order: field {@code order[i]} of the old layout becomes field i.
     */
    private static String permute(String json, String fieldsKey, String typesKey, String arrayKey, int[] order) {
        String out = json;
        for (String key : new String[] {fieldsKey, typesKey}) {
            int start = out.indexOf("\"" + key + "\":[") + key.length() + 4;
            int end = closing(out, start - 1);
            List<String> items = topLevelItems(out.substring(start, end));
            List<String> moved = new ArrayList<>();
            for (int i : order) {
                moved.add(i < items.size() ? items.get(i) : "\"number\"");
            }
            out = out.substring(0, start) + String.join(",", moved) + out.substring(end);
        }
        Matcher array = Pattern.compile("\"" + arrayKey + "\":\\[([^\\]]*)\\]").matcher(out);
        if (!array.find()) {
            fail(arrayKey);
        }
        String[] numbers = array.group(1).split(",\\s*");
        String[] moved = new String[numbers.length];
        for (int r = 0; r < numbers.length; r += order.length) {
            for (int i = 0; i < order.length; i++) {
                moved[r + i] = numbers[r + order[i]];
            }
        }
        return out.substring(0, array.start(1)) + String.join(",", moved) + out.substring(array.end(1));
    }

    private static int closing(String s, int open) {
        int depth = 0;
        boolean inString = false;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                inString = !inString;
            } else if (!inString && c == '[') {
                depth++;
            } else if (!inString && c == ']' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unbalanced");
    }

    private static List<String> topLevelItems(String s) {
        List<String> items = new ArrayList<>();
        int depth = 0;
        boolean inString = false;
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                inString = !inString;
            } else if (!inString && c == '[') {
                depth++;
            } else if (!inString && c == ']') {
                depth--;
            } else if (!inString && c == ',' && depth == 0) {
                items.add(s.substring(from, i));
                from = i + 1;
            }
        }
        items.add(s.substring(from));
        return items;
    }
}
