package dev.leakhunt.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.report.TextReport;
import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.SnapshotFormatException;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Allocation stacks from a snapshot's {@code trace_function_infos} and {@code trace_tree}: members with one stack
 * counted together, most first; a member without one (native memory) takes its owner's; the frames innermost first.
 */
class AllocationsTest {
    @TempDir
    Path dir;

    private static final String SERVER = "/srv/app/server.js";
    private static final String SQL = "/srv/app/node_modules/sql.js/dist/sql-wasm.js";

    /** root → handler → open → writeFile (allocates 3) and root → handler → cacheRow (allocates 1). */
    private static SnapshotBuilder traced() {
        SnapshotBuilder b = new SnapshotBuilder();
        int root = b.traceFunction("(root)", "", 0, 0);
        int handler = b.traceFunction("handler", SERVER, 17, 5);
        int open = b.traceFunction("open", SERVER, 42, 3);
        int write = b.traceFunction("writeFile", SQL, 1, 2345);
        int cacheRow = b.traceFunction("", SERVER, 60, 1);
        b.traceNode(1, root, 0).traceNode(2, handler, 1).traceNode(3, open, 2).traceNode(4, write, 3)
                .traceNode(5, cacheRow, 2);
        return b;
    }

    @Test
    void membersAreCountedByStackAndNativeMemoryTakesItsOwners() throws IOException {
        SnapshotBuilder b = traced();
        int global = b.node("object", "global", 40);
        b.edge(b.root(), "shortcut", "global", global);
        int[] stores = new int[5];
        for (int i = 0; i < stores.length; i++) {
            int buffer = b.node("object", "ArrayBuffer", 64);
            stores[i] = b.node("native", "system / JSArrayBufferData", 1 << 20);
            b.prop(global, "b" + i, buffer).edge(buffer, "internal", "backing_store", stores[i]);
            if (i < 3) {
                b.allocatedAt(buffer, 4);
            } else if (i == 3) {
                b.allocatedAt(buffer, 5);
            }                                // the last: allocated before tracking began
        }
        HeapGraph g = HeapGraph.build(new SnapshotReader(b.write(dir.resolve("t.heapsnapshot"))).read());
        Allocated allocated = new Allocations(g).of(stores, stores.length);
        List<AllocationStack> stacks = allocated.stacks();
        assertEquals(5, allocated.members());
        assertEquals(4, allocated.known());
        assertEquals(-1, allocated.whileTracked(), "the snapshot does not say when tracking began");

        assertEquals(2, stacks.size(), stacks.toString());
        AllocationStack top = stacks.get(0);
        assertEquals(3, top.count());
        assertEquals(List.of("writeFile", "open", "handler"), top.frames().stream().map(AllocationStack.Frame::function)
                .toList(), "innermost first, the root left out");
        AllocationStack.Frame write = top.frames().get(0);
        assertEquals(SQL, write.script());
        assertEquals(1, write.line());
        assertEquals(2345, write.column());
        assertEquals("writeFile (sql.js/dist/sql-wasm.js:1:2345)", write.shown());
        assertFalse(write.own(), "a package's");
        assertTrue(top.frames().get(1).own());
        assertEquals(1, stacks.get(1).count());
        assertEquals("(anonymous) (/srv/app/server.js:60:1) ← handler (/srv/app/server.js:17:5)",
                TextReport.stack(stacks.get(1)));
        assertEquals("open (/srv/app/server.js:42:3)", Analysis.allocatedBy(allocated), "the service's own frame");
        assertEquals("V8 kept the stack of 4 of the 5", TextReport.coverage(allocated));
    }

    @Test
    void exploreShowsWhereANodeWasAllocated() throws IOException {
        SnapshotBuilder b = traced();
        int global = b.node("object", "global", 40);
        b.edge(b.root(), "shortcut", "global", global);
        int session = b.node("object", "Session", 64, 901);
        int old = b.node("object", "Session", 64, 903);
        b.prop(global, "s", session).prop(global, "t", old).allocatedAt(session, 4);
        Path file = b.write(dir.resolve("e.heapsnapshot"));
        dev.leakhunt.testing.Cli r = dev.leakhunt.testing.Cli.run("explore", file.toString(), "-c", "show @901",
                "-c", "show @903");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("\n  allocated at writeFile (sql.js/dist/sql-wasm.js:1:2345) ← open "
                + "(/srv/app/server.js:42:3) ← handler (/srv/app/server.js:17:5)\n"), r.out());
        assertTrue(r.out().contains("\n  allocated: not known (V8 did not keep its stack)\n"), r.out());
        dev.leakhunt.testing.Cli json = dev.leakhunt.testing.Cli.run("explore", file.toString(), "--json", "-c",
                "show @901");
        assertTrue(json.out().contains("\"function\" : \"writeFile\""), json.out());
        assertTrue(json.out().contains("\"allocationsKnown\" : 1"), json.out());
    }

    @Test
    void aLongStackShowsTheAllocatingFramesAndTheServicesOwn() {
        List<AllocationStack.Frame> frames = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            frames.add(new AllocationStack.Frame("f" + i, SQL, 1, i + 1, "f" + i));
        }
        frames.add(new AllocationStack.Frame("open", SERVER, 42, 3, "open"));
        frames.add(new AllocationStack.Frame("handler", SERVER, 17, 5, "handler"));
        frames.add(new AllocationStack.Frame("emit", "node:events", 500, 1, "emit"));
        assertEquals("f0 ← f1 ← … 4 more ← open ← handler ← … 1 more",
                TextReport.stack(new AllocationStack(2, frames)));
    }

    @Test
    void aSnapshotWithoutTracesHasNoStacks() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 40);
        b.edge(b.root(), "shortcut", "global", global);
        HeapGraph g = HeapGraph.build(new SnapshotReader(b.write(dir.resolve("n.heapsnapshot"))).read());
        assertFalse(g.snapshot().traces().present());
        assertNull(new Allocations(g).of(new int[] {global}, 1), "null: not tracked, unlike none found");
    }

    @Test
    void aStackOnAnObjectOlderThanTheTrackingIsNotTakenAndFewKnownAreHints() throws IOException {
        SnapshotBuilder b = traced().trackedFrom(1000);
        int global = b.node("object", "global", 40, 3);
        b.edge(b.root(), "shortcut", "global", global);
        int[] members = new int[6];
        for (int i = 0; i < members.length; i++) {
            // ids 11..15 (before the tracking) and 2001 (while tracked); the old ones carry a stack all the same,
            // one V8 left at their address
            members[i] = b.node("object", "Session", 64, i < 5 ? 11 + 2 * i : 2001);
            b.prop(global, "s" + i, members[i]).allocatedAt(members[i], i < 5 ? 5 : 4);
        }
        HeapGraph g = HeapGraph.build(new SnapshotReader(b.write(dir.resolve("old.heapsnapshot"))).read());
        assertEquals(1000, g.snapshot().trackedFromId());
        Allocated a = new Allocations(g).of(members, members.length);
        assertEquals(1, a.whileTracked());
        assertEquals(1, a.known());
        assertEquals(1, a.stacks().size(), "the old objects' stacks are not taken");
        assertEquals("writeFile", a.stacks().get(0).frames().get(0).function());
        assertTrue(a.mostlyKnown());
        assertEquals("5 of 6 before tracking began", TextReport.coverage(a));

        Allocated few = new Allocated(List.of(new AllocationStack(3, List.of(new AllocationStack.Frame("open", SERVER,
                42, 3, "open (/srv/app/server.js:42:3)")))), 54, 30, 3);
        assertFalse(few.mostlyKnown());
        assertNull(Analysis.allocatedBy(few));
        assertEquals("24 of 54 before tracking began; V8 kept the stack of 3 of the 30 allocated while tracked (its "
                + "young-generation collections lose the stacks of objects they move, and may give one another's: "
                + "hints, not proof)", TextReport.coverage(few));
    }

    @Test
    void tracesThatDoNotHoldTogetherAreRefused() throws IOException {
        SnapshotBuilder unknownId = traced();
        int global = unknownId.node("object", "global", 40);
        unknownId.edge(unknownId.root(), "shortcut", "global", global).allocatedAt(global, 9);
        assertRefused(unknownId, "names trace node 9, which \"trace_tree\" does not hold");

        assertRefused(traced().rawTraceTree("[1,0,1,16,[2,7,1,16,[]]]"), "names function 7, but there are 5");
        assertRefused(traced().rawTraceTree("[1,0,1,16,[2,1,1,16]]"), "a trace node is cut short");
        assertRefused(traced().rawTraceTree("[1,0,1,16,[2,1,1,16,[],2,1,1,16,[]]]"), "a second trace node 2");
        assertRefused(traced().rawTraceTree("[1,0,1,16,[2,1,1,-16,[]]]"), "unexpected");
        assertRefused(traced().rawTraceTree("[1,0,1,16,[2,1,1,16,[]]"), "in \"trace_tree\"");
    }

    private void assertRefused(SnapshotBuilder b, String fault) throws IOException {
        Path file = b.write(dir.resolve("bad.heapsnapshot"));
        String message = assertThrows(SnapshotFormatException.class, () -> new SnapshotReader(file).read())
                .getMessage();
        assertTrue(message.startsWith("corrupt snapshot '" + file + "'") && message.contains(fault), message);
    }

    @Test
    void theTreeIsReadWithoutRecursionHoweverDeep() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int f = b.traceFunction("recurse", SERVER, 3, 1);
        StringBuilder tree = new StringBuilder();
        int depth = 50_000;
        for (int i = 1; i <= depth; i++) {
            tree.append(i == 1 ? "[" : ",[").append(i).append(',').append(f).append(",1,16");
        }
        tree.append(",[]").append("]".repeat(depth));
        int global = b.node("object", "global", 40);
        b.edge(b.root(), "shortcut", "global", global).allocatedAt(global, depth).rawTraceTree(tree.toString());
        HeapSnapshot s = new SnapshotReader(b.write(dir.resolve("deep.heapsnapshot"))).read();
        assertEquals(depth, s.traces().size());
        int at = s.traces().nodeOf(depth);
        assertEquals(depth - 2, s.traces().parent(at));
    }
}
