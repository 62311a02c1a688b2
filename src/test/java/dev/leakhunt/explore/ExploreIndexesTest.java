package dev.leakhunt.explore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell's own indexes: id → ordinal, the dominator tree downwards, and the bounded ranking. */
class ExploreIndexesTest {
    @TempDir
    Path dir;

    @Test
    void idsMapToOrdinalsIncludingIdsAbove2To31() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int high = b.node("object", "High", 10, 0xFFFF_FFFDL);
        int mid = b.node("object", "Mid", 10, 0x8000_0001L);
        int low = b.node("object", "Low", 10, 7);
        b.prop(b.root(), "h", high).prop(b.root(), "m", mid).prop(b.root(), "l", low);
        HeapSnapshot s = new SnapshotReader(b.write(dir.resolve("ids.heapsnapshot"))).read();
        NodeIndex index = new NodeIndex(s);
        assertEquals(high, index.ordinal(0xFFFF_FFFDL));
        assertEquals(mid, index.ordinal(0x8000_0001L));
        assertEquals(low, index.ordinal(7));
        assertEquals(b.root(), index.ordinal(s.nodeIdLong(b.root())));
        assertEquals(NodeIndex.NOT_FOUND, index.ordinal(9));
        assertEquals(NodeIndex.NOT_FOUND, index.ordinal(0x8000_0000L));
        assertEquals(NodeIndex.NOT_FOUND, index.ordinal(1L << 32));
    }

    @Test
    void everyNodeIsAChildOfItsDominatorOnTheSample() throws IOException {
        HeapGraph graph = HeapGraph.build(new SnapshotReader(ExploreScriptTest.SAMPLE).read());
        DominatedIndex index = new DominatedIndex(graph);
        int n = graph.snapshot().nodeCount();
        long children = 0;
        int[] seen = new int[n];
        for (int v = 0; v < n; v++) {
            int[] kids = index.children(v);
            assertEquals(kids.length, index.count(v));
            children += kids.length;
            for (int k : kids) {
                assertEquals(v, graph.dominator(k));
                seen[k]++;
            }
        }
        assertEquals(n - 1, children);
        for (int v = 0; v < n; v++) {
            assertEquals(v == graph.root() ? 0 : 1, seen[v], "node " + v);
        }
        NodeIndex ids = new NodeIndex(graph.snapshot());
        for (int v = 0; v < n; v++) {
            assertEquals(v, ids.ordinal(graph.snapshot().nodeIdLong(v)));
        }
    }

    @Test
    void rankingKeepsTheBestInOrder() {
        long[] key = {5, 9, 1, 9, 7, 3};
        int[] items = {0, 1, 2, 3, 4, 5};
        Ranking.Order larger = (a, b) -> key[a] != key[b] ? key[a] > key[b] : a < b;
        assertArrayEquals(new int[] {1, 3, 4}, Ranking.best(items, items.length, 3, larger));
        assertArrayEquals(new int[] {1, 3, 4, 0, 5, 2}, Ranking.best(items, items.length, 0, larger));
        assertArrayEquals(new int[] {1, 3, 0, 2}, Ranking.best(items, 4, 10, larger)); // only the first 4 items count
        assertArrayEquals(new int[0], Ranking.best(items, 0, 3, larger));
    }
}
