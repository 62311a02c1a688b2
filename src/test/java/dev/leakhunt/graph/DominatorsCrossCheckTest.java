package dev.leakhunt.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dominators, retained sizes and distances of random graphs against answers computed from the definitions: v
 * dominates w when removing v leaves w unreachable from the root. The graphs have what heap snapshots have: weak
 * edges, shortcuts from the root and elsewhere, self edges, parallel edges, nodes reachable only weakly, and
 * garbage. Each graph is built twice, keeping its arrays in memory and moving them out between phases.
 */
class DominatorsCrossCheckTest {
    @TempDir
    Path dir;

    private record Arc(int from, String type, int to) {
    }

    @Test
    void randomGraphsMatchTheDefinition() throws IOException {
        Random random = new Random(20261207);
        for (int round = 0; round < 60; round++) {
            int nodes = 2 + random.nextInt(round < 40 ? 12 : 60);
            SnapshotBuilder b = new SnapshotBuilder();
            int[] ordinal = new int[nodes + 1];
            ordinal[0] = b.root();
            long[] self = new long[nodes + 1];
            for (int v = 1; v <= nodes; v++) {
                self[v] = 1 + random.nextInt(1000);
                ordinal[v] = b.node("object", "N" + v, self[v]);
            }
            List<Arc> arcs = new ArrayList<>();
            int edges = random.nextInt(nodes * 3 + 1);
            for (int i = 0; i < edges; i++) {
                int from = random.nextInt(nodes + 1);
                int to = random.nextInt(nodes + 1);
                int kind = random.nextInt(10);
                String type = kind == 0 ? "weak" : kind == 1 ? "shortcut" : kind < 4 ? "element" : "property";
                arcs.add(new Arc(from, type, to));
            }
            for (Arc a : arcs) {
                Object name = a.type.equals("element") ? (Object) arcs.indexOf(a) : "e" + arcs.indexOf(a);
                b.edge(ordinal[a.from], a.type, name, ordinal[a.to]);
            }
            Path file = b.write(dir.resolve("r" + round + ".heapsnapshot"));
            String expected = expected(nodes, arcs, self);
            for (boolean moveOut : new boolean[] {false, true}) {
                HeapSnapshot s = new SnapshotReader(file).read().moveIdleArraysOut(moveOut);
                HeapGraph g = HeapGraph.build(s);
                assertEquals(expected, actual(g, ordinal, nodes), "round " + round + (moveOut ? ", arrays moved out" : ""));
            }
        }
    }

    private static boolean retains(Arc a) {
        return !a.type.equals("weak") && a.from != a.to && (!a.type.equals("shortcut") || a.from == 0);
    }

    /** Which nodes the root reaches over retaining edges without passing through {@code removed} (-1: none). */
    private static boolean[] reachable(int nodes, List<Arc> arcs, int removed) {
        boolean[] seen = new boolean[nodes + 1];
        if (removed == 0) {
            return seen;
        }
        int[] queue = new int[nodes + 1];
        int tail = 0;
        seen[0] = true;
        queue[tail++] = 0;
        for (int head = 0; head < tail; head++) {
            int v = queue[head];
            for (Arc a : arcs) {
                if (a.from == v && retains(a) && a.to != removed && !seen[a.to]) {
                    seen[a.to] = true;
                    queue[tail++] = a.to;
                }
            }
        }
        return seen;
    }

    /** "v:idom:retained:reached" for each node, from the definitions. */
    private static String expected(int nodes, List<Arc> arcs, long[] self) {
        boolean[] reached = reachable(nodes, arcs, -1);
        boolean[][] dominates = new boolean[nodes + 1][nodes + 1]; // [d][w]: d strictly dominates w
        for (int d = 0; d <= nodes; d++) {
            boolean[] without = reachable(nodes, arcs, d);
            for (int w = 0; w <= nodes; w++) {
                dominates[d][w] = w != d && reached[w] && reached[d] && !without[w];
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int w = 1; w <= nodes; w++) {
            int idom = 0; // unreached nodes hang under the root
            if (reached[w]) {
                for (int d = 0; d <= nodes; d++) {
                    if (dominates[d][w]) {
                        boolean lowest = true; // every other strict dominator of w dominates d
                        for (int e = 0; e <= nodes; e++) {
                            if (e != d && dominates[e][w] && !dominates[e][d]) {
                                lowest = false;
                            }
                        }
                        if (lowest) {
                            idom = d;
                        }
                    }
                }
            }
            long retained = self[w];
            if (reached[w]) {
                for (int x = 1; x <= nodes; x++) {
                    retained += dominates[w][x] ? self[x] : 0;
                }
            }
            sb.append(w).append(':').append(idom).append(':').append(retained).append(':').append(reached[w]).append(' ');
        }
        return sb.toString();
    }

    private static String actual(HeapGraph g, int[] ordinal, int nodes) {
        int[] back = new int[g.snapshot().nodeCount()];
        for (int v = 0; v <= nodes; v++) {
            back[ordinal[v]] = v;
        }
        StringBuilder sb = new StringBuilder();
        for (int w = 1; w <= nodes; w++) {
            int v = ordinal[w];
            sb.append(w).append(':').append(back[g.dominator(v)]).append(':').append(g.retainedSize(v)).append(':')
                    .append(!g.isUnreachable(v)).append(' ');
        }
        return sb.toString();
    }
}
