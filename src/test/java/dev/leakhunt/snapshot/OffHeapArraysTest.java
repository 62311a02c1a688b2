package dev.leakhunt.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ways arrays leave the heap and come back: spilled to a file, parked by the snapshot, read a block at a time. */
class OffHeapArraysTest {
    @TempDir
    Path dir;

    private static int[] random(int length, long seed) {
        Random r = new Random(seed);
        int[] a = new int[length];
        for (int i = 0; i < length; i++) {
            a[i] = r.nextInt();
        }
        return a;
    }

    private static long leakhuntTempFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(p -> p.getFileName().toString().startsWith("leakhunt-")
                    && p.getFileName().toString().endsWith(".spilled")).count();
        }
    }

    @Test
    void spilledArraysComeBackInAnyOrderFromAnUnlinkedFile() throws IOException {
        int[] a = random(200_000, 1);
        int[] b = random(3, 2);
        int[] c = random(70_001, 3);
        long before = leakhuntTempFiles();
        SpilledInts spilled = SpilledInts.of(a.clone(), b.clone(), c.clone());
        assertTrue(spilled.onDisk());
        assertEquals(before, leakhuntTempFiles(), "unlinked at once: nothing to leave behind");
        assertArrayEquals(c, spilled.readBack(2), "the last array first: read at its offset");
        assertArrayEquals(a, spilled.readBack(0));
        assertArrayEquals(b, spilled.readBack(1));
        assertFalse(spilled.onDisk(), "closed once all came back");
    }

    @Test
    void keptArraysAreTheSameObjects() {
        int[] a = {1, 2, 3};
        SpilledInts kept = SpilledInts.kept(a);
        assertFalse(kept.onDisk());
        assertSame(a, kept.readBack(0));
    }

    @Test
    void intFilesReadEveryBlockBackFromSeveralThreads() throws Exception {
        int[] a = random(1024 * 1024 * 3 + 517, 4); // the last block is partial; more blocks than cache slots
        try (IntFile file = IntFile.of(a)) {
            for (int i = 0; i < a.length; i += 997) {
                assertEquals(a[i], file.get(i));
            }
            assertEquals(a[a.length - 1], file.get(a.length - 1));
            CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> mismatches(file, a, 5));
            assertEquals(0, mismatches(file, a, 6));
            assertEquals(0, other.get());
        }
    }

    /** Random reads that evict each other's blocks, counting wrong answers. */
    private static int mismatches(IntFile file, int[] a, long seed) {
        Random r = new Random(seed);
        int wrong = 0;
        for (int k = 0; k < 200_000; k++) {
            int i = r.nextInt(a.length);
            wrong += file.get(i) == a[i] ? 0 : 1;
        }
        return wrong;
    }

    @Test
    void partsRestoredEarlyAndOnCloseReadTheSame() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int x = b.node("object", "X", 10);
        int y = b.node("object", "Y", 20);
        b.prop(b.root(), "x", x).prop(x, "y", y);
        HeapSnapshot s = new SnapshotReader(b.write(dir.resolve("s.heapsnapshot"))).read().moveIdleArraysOut(true);
        try (HeapSnapshot.Parked parked = s.park("the test's phase", HeapSnapshot.Part.NODE_NAMES,
                HeapSnapshot.Part.SELF_SIZES)) {
            assertEquals("the snapshot's self sizes are parked on disk while the test's phase runs (HeapSnapshot.park): "
                    + "read them before or after it", assertThrows(IllegalStateException.class, () -> s.selfSize(x),
                    "a parked part cannot be read").getMessage());
            parked.restore(HeapSnapshot.Part.SELF_SIZES);
            assertEquals(20, s.selfSize(y));
            assertTrue(assertThrows(IllegalStateException.class, () -> s.nodeName(x),
                    "the other part is still parked").getMessage().startsWith("the snapshot's node names are parked"));
        }
        try (HeapSnapshot.Parked parked = s.park("the class summary", HeapSnapshot.Part.EDGE_TARGETS)) {
            assertTrue(assertThrows(IllegalStateException.class, () -> s.edgeTo(0)).getMessage()
                    .startsWith("the snapshot's edge targets are parked on disk while the class summary runs"));
        }
        assertEquals(x, s.edgeTo(0));
        assertEquals("X", s.nodeName(x));
        assertEquals("Y", s.nodeName(y));
        assertEquals(10, s.selfSize(x));

        s.moveNamesAndIdsOffHeap();
        assertTrue(s.namesAndIdsOffHeap());
        assertEquals("y", s.strings().get(s.edgeNameOrIndex(s.firstEdge(x))));
    }
}
