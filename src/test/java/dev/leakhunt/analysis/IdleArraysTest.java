package dev.leakhunt.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.report.JsonReport;
import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.SnapshotReader;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Big snapshots move the arrays a phase does not read out of the heap (to disk, and back, or to files read a block at a time);
 * small ones keep them. Either way the analysis must read the same: the shipped sample, both ways, in full.
 */
class IdleArraysTest {
    private static final Path SAMPLE = Path.of("samples/sqljs-memfs-leak.heapsnapshot.gz");

    private static String analysis(HeapSnapshot snapshot) {
        return json(Analysis.analyze(HeapGraph.build(snapshot), 10, 20));
    }

    private static String json(AnalysisResult r) {
        StringWriter out = new StringWriter();
        try (JsonReport json = new JsonReport(out, "analyze")) {
            json.analysis(r);
        }
        return out.toString();
    }

    @Test
    void movingIdleArraysOutChangesNoAnswer() throws IOException {
        HeapSnapshot kept = new SnapshotReader(SAMPLE).read().moveIdleArraysOut(false);
        String keptAnalysis = analysis(kept);
        assertFalse(kept.namesAndIdsOffHeap(), "told to keep its arrays, it does");
        assertFalse(HeapSnapshot.movesIdleArrays(kept.nodeCount(), kept.edgeCount())
                && System.getProperty(HeapSnapshot.MOVE_IDLE_ARRAYS_PROPERTY) == null,
                "a 5 MB snapshot keeps its arrays by default (the suite lowers the threshold to 0)");
        if (System.getProperty(HeapSnapshot.MOVE_IDLE_ARRAYS_PROPERTY) != null) {
            assertTrue(new SnapshotReader(SAMPLE).read().movesIdleArrays(), "the suite runs the big files' plan");
        }

        HeapSnapshot moved = new SnapshotReader(SAMPLE).read().moveIdleArraysOut(true);
        String movedAnalysis = analysis(moved);
        assertTrue(moved.namesAndIdsOffHeap(), "the edge names and node ids went to their files");

        assertEquals(keptAnalysis, movedAnalysis);
        assertTrue(movedAnalysis.contains("\"count\" : 50"), "the story's 50 copies are in it");

        // the parked edges come back: the explore shell asks the same snapshot again after its class summary
        HeapSnapshot again = new SnapshotReader(SAMPLE).read().moveIdleArraysOut(true);
        Describer describer = new Describer(HeapGraph.build(again));
        ClassSummary classes = ClassSummary.compute(describer);
        assertEquals(keptAnalysis, json(Analysis.analyze(describer, classes, 10, 20)));
        assertEquals(kept.edgeTo(kept.firstEdge(kept.rootOrdinal())), again.edgeTo(again.firstEdge(again.rootOrdinal())));
    }
}
