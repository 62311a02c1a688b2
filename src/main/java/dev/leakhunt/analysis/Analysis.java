package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The analysis of one snapshot, as a list of named phases over a built {@link HeapGraph}. */
public final class Analysis {
    /** How much of native memory one group must hold before the report names it in a verdict. */
    private static final double VERDICT_SHARE = 0.5;

    private Analysis() {
    }

    public static AnalysisResult analyze(HeapGraph graph, int topGroups, int topClasses) {
        Describer describer = new Describer(graph);
        return analyze(describer, ClassSummary.compute(describer), topGroups, topClasses);
    }

    /** The same, over a describer and class summary the caller keeps (the explore shell asks them again later). */
    public static AnalysisResult analyze(Describer describer, ClassSummary classSummary, int topGroups, int topClasses) {
        HeapGraph graph = describer.graph();
        HeapSnapshot s = graph.snapshot();
        int[] stores = BufferGroups.backingStores(s);
        AnalysisResult.Totals totals = totals(graph, stores);
        List<BufferGroup> groups = BufferGroups.group(describer, stores, topGroups);
        List<ClassRow> classes = classSummary.top(topClasses, null);
        String verdict = verdict(totals, groups);
        return new AnalysisResult(s.source(), s.nodeCount(), s.edgeCount(), totals, groups, classes, verdict,
                metrics(s, totals, groups));
    }

    private static AnalysisResult.Totals totals(HeapGraph graph, int[] stores) {
        HeapSnapshot s = graph.snapshot();
        long nativeBytes = 0;
        for (int node : stores) {
            nativeBytes += s.selfSize(node);
        }
        long unreachableBytes = 0;
        for (int v = 0; v < s.nodeCount(); v++) {
            if (graph.isUnreachable(v)) {
                unreachableBytes += s.selfSize(v);
            }
        }
        return new AnalysisResult.Totals(s.totalSelfSize(), nativeBytes, stores.length,
                s.meta().extraNativeBytes(), graph.unreachableCount(), unreachableBytes);
    }

    /** A sentence when one group holds most of native memory; null when nothing stands out. */
    static String verdict(AnalysisResult.Totals totals, List<BufferGroup> groups) {
        if (groups.isEmpty() || totals.nativeBytes() == 0) {
            return null;
        }
        BufferGroup top = groups.get(0);
        if (top.count() < 2 || top.totalBytes() < VERDICT_SHARE * totals.nativeBytes()) {
            return null;
        }
        String what = top.sizeBytes() != null
                ? top.count() + " buffers of exactly " + Units.bytes(top.sizeBytes()) + " (one size: likely the same data copied "
                        + top.count() + " times)"
                : top.count() + " buffers of " + Units.bytes(top.minBytes()) + " to " + Units.bytes(top.maxBytes());
        int percent = (int) Math.round(100.0 * top.totalBytes() / totals.nativeBytes());
        return what + " hold " + Units.bytes(top.totalBytes()) + ", " + percent + "% of ArrayBuffer memory; they are held by "
                + holder(top) + ": free or close them there";
    }

    /** The common dominator of a group, with the edge and node that hold it when it is on the group's chain. */
    static String holder(BufferGroup g) {
        NodeRef d = g.commonDominator();
        if (g.dominatorStep() > 0 && g.dominatorStep() + 1 < g.chain().size()) {
            ChainStep above = g.chain().get(g.dominatorStep() + 1);
            return d.label() + " (" + above.edgeName() + " of " + above.node().label() + ")";
        }
        return d.label();
    }

    private static Map<String, Long> metrics(HeapSnapshot s, AnalysisResult.Totals t, List<BufferGroup> groups) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("native-bytes", t.nativeBytes());
        m.put("largest-group-bytes", groups.isEmpty() ? 0 : groups.get(0).totalBytes());
        m.put("largest-group-count", groups.isEmpty() ? 0L : groups.get(0).count());
        m.put("backing-stores", t.backingStores());
        m.put("self-bytes", t.selfBytes());
        m.put("node-count", (long) s.nodeCount());
        m.put("edge-count", (long) s.edgeCount());
        m.put("unreachable-nodes", t.unreachableNodes());
        return m;
    }
}
