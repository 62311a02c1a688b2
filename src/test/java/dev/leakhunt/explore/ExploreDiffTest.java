package dev.leakhunt.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code diff FILE} in the shell: the same diff as {@code leakhunt diff}, with the loaded snapshot on either side. */
class ExploreDiffTest {
    private static final long STORE_BYTES = 1 << 20;

    @TempDir
    Path dir;

    /** A process whose {@code cache} array holds {@code copies} buffers, each over its own 1 MiB backing store. */
    private Path snapshot(String name, int copies) throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 40, 101);
        b.edge(b.root(), "shortcut", "global", global);
        int cache = b.node("array", "Array", 32, 103);
        b.prop(global, "cache", cache);
        for (int i = 0; i < 40; i++) { // objects both snapshots share, so that they look like one process
            int o = b.node("object", "Config", 24, 1001 + 2L * i);
            b.prop(global, "c" + i, o);
        }
        for (int i = 0; i < copies; i++) {
            int buffer = b.node("object", "Buffer", 96, 2001 + 10L * i);
            int arrayBuffer = b.node("object", "ArrayBuffer", 88, 2003 + 10L * i);
            int store = b.node("native", "system / JSArrayBufferData", STORE_BYTES, 2005 + 10L * i);
            b.edge(cache, "element", i, buffer);
            b.edge(buffer, "internal", "buffer", arrayBuffer);
            b.edge(arrayBuffer, "internal", "backing_store", store);
        }
        return b.write(dir.resolve(name));
    }

    private static String run(Path loaded, String... commands) throws IOException {
        Session session = Session.open(HeapGraph.build(new SnapshotReader(loaded).read()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Shell.Status status = new Shell(session, false, false).runScript(List.of(commands), new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertEquals(Shell.Status.OK, status, out + "\n" + err);
        assertEquals("", err.toString());
        return out.toString();
    }

    @Test
    void diffShowsWhatIsNewOnEitherSide() throws IOException {
        Path before = snapshot("before.heapsnapshot", 2);
        Path after = snapshot("after.heapsnapshot", 5);

        String sinceBefore = run(after, "diff " + before);
        assertTrue(sinceBefore.startsWith("Diff of two snapshots of one process, matched by node id"), sinceBefore);
        assertTrue(sinceBefore.contains("of which 3 backing stores, 3.0 MiB"), sinceBefore);
        assertTrue(sinceBefore.contains("← backing_store in ArrayBuffer @2023"), sinceBefore);

        String later = run(before, "diff --later " + after);
        assertEquals(sinceBefore.replace("A  " + before, "").replace("B  " + after, ""),
                later.replace("A  " + before, "").replace("B  " + after, ""));
    }
}
