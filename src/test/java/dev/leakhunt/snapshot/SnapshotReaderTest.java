package dev.leakhunt.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotReaderTest {
    @TempDir
    Path dir;

    private static SnapshotBuilder sample() {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 24);
        int ab = b.node("object", "ArrayBuffer", 80);
        int store = b.node("native", "system / JSArrayBufferData", 5_000_000_000L, 3_000_000_002L);
        b.edge(b.root(), "shortcut", "global", global);
        b.prop(global, "buf", ab).edge(ab, "internal", "backing_store", store);
        b.edge(global, "element", 7, ab);
        return b;
    }

    private HeapSnapshot read(Path file) throws IOException {
        return new SnapshotReader(file).read();
    }

    private static String describe(HeapSnapshot s) {
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < s.nodeCount(); n++) {
            sb.append(s.nodeTypeName(n)).append(' ').append(s.nodeName(n)).append(" #").append(s.nodeIdLong(n))
                    .append(" =").append(s.selfSize(n)).append(" [");
            for (int e = s.firstEdge(n); e < s.endEdge(n); e++) {
                boolean indexed = s.edgeTypeName(e).equals("element") || s.edgeTypeName(e).equals("hidden");
                sb.append(s.edgeTypeName(e)).append(':')
                        .append(indexed ? Integer.toString(s.edgeNameOrIndex(e)) : s.strings().get(s.edgeNameOrIndex(e)))
                        .append("->").append(s.nodeName(s.edgeTo(e))).append(' ');
            }
            sb.append("]\n");
        }
        return sb.toString();
    }

    /** {@link #describe}, and how many strings there are. */
    private static String describeAll(HeapSnapshot s) {
        return describe(s) + s.strings().size() + " strings";
    }

    @Test
    void readsSevenFieldNodesWithLargeIdsAndSizes() throws IOException {
        HeapSnapshot s = read(sample().write(dir.resolve("a.heapsnapshot")));
        assertEquals(4, s.nodeCount());
        assertEquals(4, s.edgeCount());
        assertEquals(7, s.meta().nodeFieldCount());
        assertEquals("""
                synthetic  #1 =0 [shortcut:global->global ]
                object global #3 =24 [property:buf->ArrayBuffer element:7->ArrayBuffer ]
                object ArrayBuffer #5 =80 [internal:backing_store->system / JSArrayBufferData ]
                native system / JSArrayBufferData #3000000002 =5000000000 []
                """, describe(s));
    }

    @Test
    void sixFieldsGzipAndHeaderLastReadTheSame() throws IOException {
        String expected = describe(read(sample().write(dir.resolve("a.heapsnapshot"))));
        HeapSnapshot six = read(sample().sixFields().write(dir.resolve("six.heapsnapshot")));
        assertEquals(6, six.meta().nodeFieldCount());
        assertEquals(expected, describe(six));
        // gzip is told by its magic bytes, not the name
        assertEquals(expected, describe(read(sample().writeGzip(dir.resolve("plain-name.heapsnapshot")))));
        assertEquals(expected, describe(read(sample().headerLast().write(dir.resolve("last.heapsnapshot")))));
    }

    @Test
    void decodesEscapesAndSurrogatePairs() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        b.node("string", "café \"q\" \\ 😀 tab\tend", 10);
        Path file = b.write(dir.resolve("u.heapsnapshot"));
        String json = Files.readString(file);
        assertTrue(json.contains("\\ud83d\\ude00"), "the builder escapes like V8");
        HeapSnapshot s = read(file);
        assertEquals("café \"q\" \\ 😀 tab\tend", s.nodeName(1));
        // a lone surrogate (V8 can write one for mangled characters) becomes U+FFFD
        Files.writeString(file, json.replace("\\ud83d\\ude00", "\\ud83d!"), StandardCharsets.US_ASCII);
        assertEquals("café \"q\" \\ \uFFFD! tab\tend", read(file).nodeName(1));
    }

    @Test
    void manyChunksOfInputStayExact() throws IOException {
        // more than one 1 MiB read chunk, so numbers and strings straddle chunk boundaries
        SnapshotBuilder b = new SnapshotBuilder();
        int previous = b.root();
        for (int i = 0; i < 60_000; i++) {
            int next = b.node("object", "Node" + (i % 1000) + "x".repeat(i % 7), i);
            b.prop(previous, "n" + (i % 500), next);
            previous = next;
        }
        HeapSnapshot s = read(b.write(dir.resolve("big.heapsnapshot")));
        assertTrue(Files.size(dir.resolve("big.heapsnapshot")) > 2 << 20);
        assertEquals(60_001, s.nodeCount());
        assertEquals(59_999, s.selfSize(60_000));
        assertEquals("Node999xx", s.nodeName(60_000)); // i = 59999
        assertEquals(60_000, s.edgeTo(s.firstEdge(59_999)));
        assertEquals("n499", s.strings().get(s.edgeNameOrIndex(s.firstEdge(59_999))));
    }

    private String error(String content) throws IOException {
        Path file = dir.resolve("bad.heapsnapshot");
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        return assertThrows(SnapshotFormatException.class, () -> read(file)).getMessage();
    }

    @Test
    void badInputSaysWhatIsWrongInOneLine() throws IOException {
        String good = sample().toJson();
        assertEquals("not a heap snapshot: '" + dir.resolve("bad.heapsnapshot") + "' (not a JSON object, starts with 'h')",
                error("hello"));
        assertTrue(error("{\"a\":1}").contains("(no \"snapshot.meta\")"));
        assertTrue(error("[1,2]").startsWith("not a heap snapshot"));
        int nodes = good.indexOf("\"nodes\":[") + 14;
        assertTrue(error(good.substring(0, nodes)).matches("truncated snapshot '.*' \\(the file ends inside \"nodes\", after \\d+ of 28 numbers\\)"),
                error(good.substring(0, nodes)));
        int edges = good.indexOf("\"edges\":[") + 12;
        assertTrue(error(good.substring(0, edges)).contains("the file ends inside \"edges\""));
        int strings = good.indexOf("\"strings\":[") + 15;
        assertTrue(error(good.substring(0, strings)).contains("the file ends inside \"strings\""));
        assertTrue(error(good.replace("\"node_count\":4", "\"node_count\":5"))
                .contains("\"nodes\" holds 28 numbers, but node_count 5 × 7 fields needs 35"));
        assertTrue(error(good.replace("\"edge_count\":4", "\"edge_count\":3")).contains("edge counts exceed edge_count 3"));
        String outOfRange = good.replaceFirst(",14(,\\n|\\])", ",700$1");
        assertTrue(error(outOfRange).contains("points to node field index 700, not one of the 4 nodes"), error(outOfRange));
        assertTrue(error(good.replace("],\n\"edges\"", ",1],\n\"edges\"")).contains("corrupt snapshot"));
        assertTrue(error(good + "x").contains("after the end of the JSON"));
    }

    @Test
    void corruptGzipIsNamed() throws IOException {
        Path file = sample().writeGzip(dir.resolve("c.heapsnapshot.gz"));
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        String truncated = assertThrows(SnapshotFormatException.class, () -> read(file)).getMessage();
        assertTrue(truncated.contains("gzip") || truncated.contains("truncated"), truncated);
        for (int i = 20; i < bytes.length - 8; i++) {
            bytes[i] ^= 0x5a;
        }
        Files.write(file, bytes);
        String corrupt = assertThrows(SnapshotFormatException.class, () -> read(file)).getMessage();
        assertTrue(corrupt.contains("'" + file + "'"), corrupt);
    }

    // ---- the edges split between two threads (EdgeSplit) ----------------------------------------------------

    /** A graph with edges of every kind, so that many small segments hold every kind of number. */
    private static SnapshotBuilder wide() {
        SnapshotBuilder b = new SnapshotBuilder();
        java.util.Random random = new java.util.Random(7);
        int[] nodes = new int[400];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = b.node(i % 5 == 0 ? "native" : "object", "N" + (i % 37), random.nextInt(5000), 2L * i + 3);
        }
        b.edge(b.root(), "shortcut", "global", nodes[0]);
        for (int i = 0; i < 3000; i++) {
            int from = nodes[random.nextInt(nodes.length)];
            int to = nodes[random.nextInt(nodes.length)];
            switch (i % 4) {
                case 0 -> b.edge(from, "element", random.nextInt(100_000), to);
                case 1 -> b.edge(from, "hidden", i, to);
                case 2 -> b.edge(from, "weak", "w" + i, to);
                default -> b.prop(from, "p" + (i % 211), to);
            }
        }
        return b;
    }

    private SnapshotReader serial(Path file) {
        return new SnapshotReader(file).splitEdges(Long.MAX_VALUE, EdgeSplit.BLOCK_BYTES);
    }

    @Test
    void twoThreadsReadTheEdgesAsOneDoes() throws IOException {
        Path file = wide().write(dir.resolve("wide.heapsnapshot"));
        String expected = describeAll(serial(file).read());
        for (int segmentBytes : new int[] {64, 700, 5000}) {
            SnapshotReader reader = new SnapshotReader(file).splitEdges(0, segmentBytes);
            assertEquals(expected, describeAll(reader.read()), "segments of " + segmentBytes + " bytes");
            assertTrue(reader.segmentsOnSecondThread() > 0, "the second thread took part with " + segmentBytes);
            assertTrue(reader.stringsReadAhead(), "the second thread read the strings with " + segmentBytes);
        }
    }

    @Test
    void stringsAnywhereElseAreReadByTheReadersThread() throws IOException {
        String good = wide().toJson();
        int at = good.indexOf(",\n\"strings\":");
        String stringsArray = good.substring(at + 1, good.lastIndexOf('}'));
        // the strings first; and a "strings" key one level down, after the edges, holding a string with a quote
        String first = "{" + stringsArray + "," + good.substring(1, at) + "}";
        String nested = good.replace("\"locations\":[", "\"extra\":{\"strings\":[\"\\\"\"]},\"locations\":[");
        for (String json : new String[] {first, nested}) {
            Path file = dir.resolve("moved.heapsnapshot");
            Files.writeString(file, json, StandardCharsets.US_ASCII);
            SnapshotReader reader = new SnapshotReader(file).splitEdges(0, 256);
            assertEquals(describeAll(serial(file).read()), describeAll(reader.read()));
            assertTrue(reader.segmentsOnSecondThread() > 0);
            assertEquals(json == nested, reader.stringsReadAhead(), "only the top-level strings after the edges");
        }
    }

    @Test
    void errorsInTheStringsReadAheadReadAsFromOneThread() throws IOException {
        String good = wide().toJson();
        int strings = good.indexOf("\"strings\":[") + "\"strings\":[".length();
        java.util.Map<String, String> corruptions = java.util.Map.of(
                "a bad escape", good.substring(0, strings + 2) + "\\q" + good.substring(strings + 2),
                "a number among the strings", good.substring(0, strings) + "7," + good.substring(strings),
                "the file ends inside the strings", good.substring(0, strings + 40));
        for (var c : corruptions.entrySet()) {
            Path file = dir.resolve("corrupt-strings.heapsnapshot");
            Files.writeString(file, c.getValue(), StandardCharsets.US_ASCII);
            String one = assertThrows(SnapshotFormatException.class, () -> serial(file).read()).getMessage();
            String two = assertThrows(SnapshotFormatException.class,
                    () -> new SnapshotReader(file).splitEdges(0, 256).read()).getMessage();
            assertEquals(one, two, c.getKey());
        }
    }

    @Test
    void onlyTheTopLevelEdgesAreSplit() throws IOException {
        // an unknown key before the nodes holds an "edges" key one level down and "edges" text in a string
        String json = wide().toJson().replace("\"nodes\":[",
                "\"extra\":{\"edges\":[9,9,9],\"s\":\"\\\"edges\\\":[1\"},\"nodes\":[");
        Path file = dir.resolve("extra.heapsnapshot");
        Files.writeString(file, json, StandardCharsets.US_ASCII);
        String expected = describe(serial(file).read());
        SnapshotReader reader = new SnapshotReader(file).splitEdges(0, 256);
        assertEquals(expected, describe(reader.read()));
        assertTrue(reader.segmentsOnSecondThread() > 0);
        // edges before the header are read by one thread, and read the same
        Path last = wide().headerLast().write(dir.resolve("last.heapsnapshot"));
        SnapshotReader lastReader = new SnapshotReader(last).splitEdges(0, 256);
        assertEquals(describe(serial(last).read()), describe(lastReader.read()));
        assertEquals(0, lastReader.segmentsOnSecondThread());
    }

    @Test
    void errorsInTheSecondThreadsPartReadAsFromOneThread() throws IOException {
        String good = wide().toJson();
        int edgesEnd = good.indexOf("],\n\"trace_function_infos\"");
        int lastEdge = good.lastIndexOf('\n', edgesEnd) + 1;   // the last edge's line: "type,name,to_node"
        String target = good.substring(good.lastIndexOf(',', edgesEnd) + 1, edgesEnd);
        java.util.Map<String, String> corruptions = java.util.Map.of(
                "a target beyond the nodes", good.substring(0, edgesEnd - target.length()) + "99999" + good.substring(edgesEnd),
                "a type beyond the edge types", good.substring(0, lastEdge) + "9" + good.substring(good.indexOf(',', lastEdge)),
                "a quote among the numbers", good.substring(0, lastEdge) + "\"" + good.substring(lastEdge + 1),
                "a letter among the numbers", good.substring(0, lastEdge) + "x" + good.substring(lastEdge + 1),
                "one number too few", good.substring(0, good.lastIndexOf(',', edgesEnd)) + good.substring(edgesEnd));
        for (var c : corruptions.entrySet()) {
            Path file = dir.resolve("corrupt.heapsnapshot");
            Files.writeString(file, c.getValue(), StandardCharsets.US_ASCII);
            String one = assertThrows(SnapshotFormatException.class, () -> serial(file).read()).getMessage();
            String two = assertThrows(SnapshotFormatException.class,
                    () -> new SnapshotReader(file).splitEdges(0, 128).read()).getMessage();
            assertEquals(one, two, c.getKey());
            assertTrue(one.startsWith("corrupt snapshot '" + file + "'"), c.getKey() + ": " + one);
        }
    }

    @Test
    void targetsNearAndBeyond2To31AreDividedExactly() {
        // to_node is a field index: node ordinal * node_fields, near 2^31 in a snapshot of 300 M nodes and beyond it
        // in larger ones; the reader divides by a multiply-high, which must equal the division everywhere
        java.util.Random random = new java.util.Random(31);
        for (int fields = 3; fields <= 12; fields++) {
            long reciprocal = EdgeRecords.reciprocal(fields);
            long[] around = {0, 1, (1L << 31) - 1, 1L << 31, (1L << 32) - 1, 1L << 32, (long) Integer.MAX_VALUE * fields,
                    (long) Integer.MAX_VALUE * 12 + 11};
            for (long base : around) {
                for (long index = Math.max(0, base - 2 * fields); index <= base + 2 * fields; index++) {
                    long expected = index % fields == 0 ? index / fields : -1;
                    assertEquals(expected, EdgeRecords.ordinalOf(index, fields, reciprocal), index + " / " + fields);
                }
            }
            for (int i = 0; i < 100_000; i++) {
                long index = random.nextLong() >>> 30; // up to 2^34
                long expected = index % fields == 0 ? index / fields : -1;
                assertEquals(expected, EdgeRecords.ordinalOf(index, fields, reciprocal), index + " / " + fields);
            }
        }
    }
}
