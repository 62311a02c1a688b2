package dev.leakhunt.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeapGraphTest {
    @TempDir
    Path dir;

    private HeapGraph build(SnapshotBuilder b) throws IOException {
        HeapSnapshot s = new SnapshotReader(b.write(dir.resolve("g.heapsnapshot"))).read();
        return HeapGraph.build(s);
    }

    private static String name(HeapGraph g, int node) {
        return node < 0 ? "-" : node == g.root() ? "R" : g.snapshot().nodeName(node);
    }

    /** "A:R B:R …" — each node's immediate dominator, in creation order. */
    private static String dominators(HeapGraph g) {
        List<String> parts = new ArrayList<>();
        for (int v = 1; v < g.snapshot().nodeCount(); v++) {
            parts.add(name(g, v) + ":" + name(g, g.dominator(v)));
        }
        return String.join(" ", parts);
    }

    @Test
    void lengauerTarjanPaperExample() throws IOException {
        // The flowgraph of Lengauer & Tarjan (1979), figure 1, with R as the root.
        SnapshotBuilder b = new SnapshotBuilder();
        String[] names = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"};
        int[] n = new int[128];
        for (String name : names) {
            n[name.charAt(0)] = b.node("object", name, 1);
        }
        n['R'] = b.root();
        String[] arcs = {"RA", "RB", "RC", "AD", "BA", "BD", "BE", "CF", "CG", "DL", "EH", "FI", "GI", "GJ", "HE",
                "HK", "IK", "JI", "KI", "KR", "LH"};
        for (String arc : arcs) {
            b.prop(n[arc.charAt(0)], "to" + arc.charAt(1), n[arc.charAt(1)]);
        }
        HeapGraph g = build(b);
        assertEquals("A:R B:R C:R D:R E:R F:C G:C H:R I:R J:G K:R L:D", dominators(g));
        assertEquals(HeapGraph.NO_DOMINATOR, g.dominator(g.root()));
        assertEquals(12, g.retainedSize(g.root())); // 12 objects of 1 byte; the root has size 0
        assertEquals(4, g.retainedSize(n['C'])); // C, F, G and J; I is reached around C too
    }

    @Test
    void retainedSizesAddUpTheDominatedSubtree() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int a = b.node("object", "A", 10);
        int bb = b.node("object", "B", 20);
        int c = b.node("object", "C", 30);
        int d = b.node("object", "D", 40);
        int e = b.node("object", "E", 50);
        b.prop(b.root(), "a", a).prop(a, "b", bb).prop(a, "c", c).prop(bb, "d", d).prop(c, "d", d);
        b.prop(b.root(), "e", e).prop(e, "d", d);
        HeapGraph g = build(b);
        assertEquals("A:R B:A C:A D:R E:R", dominators(g));
        assertEquals(60, g.retainedSize(a));   // D is shared with E, so A holds only B and C
        assertEquals(150, g.retainedSize(g.root()));
        assertEquals(1, g.distance(a));
        assertEquals(2, g.distance(d));
    }

    @Test
    void weakOnlyAndUnreachableNodesHangUnderTheRoot() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int a = b.node("object", "A", 10);
        int weak = b.node("object", "W", 100);
        int garbage = b.node("object", "G", 1000);
        b.prop(b.root(), "a", a).edge(a, "weak", "w", weak).prop(garbage, "w", weak);
        HeapGraph g = build(b);
        assertEquals(g.root(), g.dominator(weak));
        assertEquals(g.root(), g.dominator(garbage));
        assertEquals(10, g.retainedSize(a), "a weak edge does not retain");
        assertTrue(g.isUnreachable(weak));
        assertTrue(g.isUnreachable(garbage));
        assertFalse(g.isUnreachable(a));
        assertEquals(2, g.unreachableCount());
        assertEquals(1110, g.retainedSize(g.root()));
    }

    @Test
    void shortcutsRetainOnlyFromTheRoot() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 10);
        int viaRootShortcut = b.node("object", "S", 20);
        int viaShortcut = b.node("object", "T", 30);
        b.edge(b.root(), "shortcut", "s", viaRootShortcut).prop(b.root(), "g", global);
        b.edge(global, "shortcut", "t", viaShortcut);
        HeapGraph g = build(b);
        assertFalse(g.isUnreachable(viaRootShortcut));
        assertTrue(g.isUnreachable(viaShortcut), "a shortcut from a non-root node does not retain");
        assertEquals(10, g.retainedSize(global));
        assertEquals(-1, g.nearestEdge(viaShortcut), "no chain runs through a non-root shortcut");
    }

    @Test
    void nearestRetainersFollowTheChainRule() throws IOException {
        // ties everywhere: two holders at one distance, two edges of one holder with different ranks
        SnapshotBuilder b = new SnapshotBuilder();
        int g = b.node("object", "global", 1);
        int p = b.node("object", "P", 1);
        int q = b.node("object", "Q", 1);
        int x = b.node("object", "X", 1);
        int y = b.node("object", "Y", 1);
        b.edge(b.root(), "shortcut", "global", g).prop(g, "p", p).prop(g, "q", q);
        b.edge(p, "internal", "i", x).prop(p, "x", x).edge(q, "element", 0, x);
        b.edge(q, "internal", "j", y).edge(p, "hidden", 3, y);
        b.prop(x, "self", x).edge(y, "weak", "w", x);
        HeapGraph graph = build(b);
        assertEquals("x", graph.snapshot().strings().get(graph.snapshot().edgeNameOrIndex(graph.nearestEdge(x))),
                "a property beats an element at one distance, and an internal edge of the same holder");
        assertEquals(q, graph.nearestHolder(y), "internal beats hidden");
        assertArrayEquals(dev.leakhunt.testing.ChainRule.nearestEdges(graph), nearestEdges(graph));
    }

    private static int[] nearestEdges(HeapGraph g) {
        int[] out = new int[g.snapshot().nodeCount()];
        for (int v = 0; v < out.length; v++) {
            out[v] = g.nearestEdge(v);
        }
        return out;
    }

    @Test
    void selfEdgesDoNotRetainAndSyntheticRootsGetSystemDistances() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int gcRoots = b.node("synthetic", "(GC roots)", 0);
        int handle = b.node("object", "H", 8);
        int loop = b.node("object", "L", 16);
        b.edge(b.root(), "element", 1, gcRoots).edge(gcRoots, "element", 0, handle);
        b.prop(loop, "self", loop);
        HeapGraph g = build(b);
        assertEquals(HeapGraph.SYSTEM_DISTANCE, g.distance(gcRoots));
        assertEquals(HeapGraph.SYSTEM_DISTANCE + 1, g.distance(handle));
        assertTrue(g.isUnreachable(loop), "only its own edge points at it");
        assertEquals(gcRoots, g.dominator(handle));
    }

    @Test
    void retainedSizesPastTwoAndFourGiB() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        long big = 3L << 29; // 1.5 GiB
        int holder = b.node("object", "H", 8);
        int[] parts = {b.node("native", "P", big), b.node("native", "Q", big), b.node("native", "S", big)};
        b.prop(b.root(), "h", holder);
        for (int p : parts) {
            b.edge(holder, "internal", "p", p);
        }
        HeapGraph g = build(b);
        assertEquals(3 * big + 8, g.retainedSize(holder), "4.5 GiB: beyond an int, kept aside");
        assertEquals(3 * big + 8, g.retainedSize(g.root()));
        assertEquals(big, g.retainedSize(parts[1]));
    }

    @Test
    void deepChainsDoNotOverflowTheStack() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int previous = b.root();
        int depth = 200_000;
        for (int i = 0; i < depth; i++) {
            int next = b.node("object", "N", 1);
            b.prop(previous, "next", next);
            previous = next;
        }
        HeapGraph g = build(b);
        assertEquals(depth, g.retainedSize(1));
        assertEquals(depth, g.distance(previous));
        assertEquals(previous - 1, g.dominator(previous));
    }
}
