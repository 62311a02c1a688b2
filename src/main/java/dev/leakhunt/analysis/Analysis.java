package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The analysis of one snapshot, as a list of named phases over a built {@link HeapGraph}. */
public final class Analysis {
    /**
     * The metrics of an analysis, in the order the JSON writes them: what {@code --fail-if} knows, and what the help
     * lists.
     */
    public static final List<String> METRICS = List.of("native-bytes", "largest-group-bytes", "largest-group-count",
            "backing-stores", "self-bytes", "node-count", "edge-count", "unreachable-nodes", "top-suspect-bytes",
            "top-suspect-count");

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
        BufferGroups.NativeNodes nativeNodes = BufferGroups.nativeNodes(s);
        AnalysisResult.Totals totals = totals(graph, nativeNodes.backingStores());
        MemberGroups memberGroups = new MemberGroups(describer);
        Suspects suspectFinder = new Suspects(describer, memberGroups); // scans for JS collections meanwhile
        List<MemberGroups.Merged> natives = memberGroups.merged(nativeNodes.sized());
        List<BufferGroup> groups = new ArrayList<>();
        for (MemberGroups.Merged m : natives) {
            if (groups.size() == topGroups) {
                break;
            }
            if (s.nodeName(m.members().nodes[0]).equals(BufferGroups.BACKING_STORE)) {
                groups.add(memberGroups.describe(m.members(), m.holding()));
            }
        }
        List<Suspect> suspects = suspectFinder.find(natives, Math.max(topGroups, 1));
        List<ClassRow> classes = classSummary.top(topClasses, null);
        String verdict = verdict(suspects);
        return new AnalysisResult(s.source(), s.nodeCount(), s.edgeCount(), totals, groups, suspects, classes, verdict,
                metrics(s, totals, groups, suspects));
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

    /**
     * A sentence on the top suspect, whatever its kind: what accumulates (count, class, sizes), the bytes and their
     * share, the holder with its user-named step, what else holds the members and a few keys; null without one.
     */
    static String verdict(List<Suspect> suspects) {
        if (suspects.isEmpty()) {
            return null;
        }
        Suspect top = suspects.get(0);
        StringBuilder sb = new StringBuilder();
        sb.append(Units.count(top.count())).append(' ').append(what(top)).append(" hold ").append(Units.bytes(top.bytes()))
                .append(" (").append(Math.round(100 * top.share())).append("% of the heap)");
        sb.append(", held by ").append(holders(top.holderCount(), top.holder()))
                .append(holderLabel(top.holder(), top.chain(), top.holderStep()));
        if (!top.keys().isEmpty()) {
            sb.append(", keys ").append(String.join(", ", top.keys())).append(top.count() > top.keys().size() ? ", …" : "");
        }
        if (top.alsoHeldBy() != null) {
            sb.append("; also held by ").append(Units.count(top.alsoHeldCount())).append(" × ").append(top.alsoHeldBy());
        }
        String allocated = allocatedBy(top.allocations());
        if (allocated != null) {
            sb.append("; allocated by ").append(allocated);
        }
        sb.append(": ").append(advice(top));
        return sb.toString();
    }

    /**
     * The service's own frame that allocated most members (else the innermost frame), or null when not known for
     * most members allocated while tracked.
     */
    static String allocatedBy(Allocated allocated) {
        if (allocated == null || !allocated.mostlyKnown() || allocated.stacks().isEmpty()
                || allocated.stacks().get(0).frames().isEmpty()) {
            return null; // not known, or known for too few to speak for all
        }
        List<AllocationStack> stacks = allocated.stacks();
        for (AllocationStack.Frame f : stacks.get(0).frames()) {
            if (f.own()) {
                return f.shown();
            }
        }
        return stacks.get(0).frames().get(0).shown();
    }

    /**
     * What the members are, as far as the graph shows: "× ArrayBuffer backing store of one size (2.8 MiB)", of the
     * size of Node's Buffer pool slabs (a size and a Buffer view are what the graph shows; a slice's length is not
     * in it), "× onRequestDone() retaining 10.1 KiB each on average". Never "copied N times": nothing in a snapshot
     * says two buffers hold the same bytes.
     */
    static String what(Suspect s) {
        BufferGroup g = s.group();
        if (g != null && s.memberClass().equals(Suspects.memberClass(BufferGroups.BACKING_STORE))) {
            if (g.sizeBytes() != null && g.sizeBytes() == POOL_SLAB_BYTES && g.chain().size() > 2
                    && isPoolView(g.chain().get(2).node().name())) {
                return "× ArrayBuffer backing store of 8 KiB, the size of Node's Buffer pool slabs (small Buffers are "
                        + "slices of them: one kept slice pins a whole slab; copy what you keep)";
            }
        }
        String plural = "× " + s.memberClass();
        if (g == null) {
            return plural + " retaining " + Units.bytes(s.bytes() / Math.max(1, s.count())) + " each on average";
        }
        return plural + (g.sizeBytes() != null ? " of one size (" + Units.bytes(g.sizeBytes()) + ")"
                : " of " + Units.bytes(g.minBytes()) + " to " + Units.bytes(g.maxBytes()));
    }

    /** What to do: what else holds the members decides the first step. */
    static String advice(Suspect s) {
        String also = s.alsoHeldBy() == null ? "" : s.alsoHeldBy();
        if (also.equals("Timeout") || also.equals("Immediate")) {
            return "clear their timers (clearInterval/clearTimeout) and remove them from it when done";
        }
        if (s.memberClass().startsWith("Node / ")) {
            return "end, close or destroy what owns them (streams, handles) and remove them from it when done";
        }
        return "remove them from it when done, or bound it";
    }

    /** Node's Buffer.poolSize: small Buffers are views into slabs of this size. */
    static final long POOL_SLAB_BYTES = 8192;

    private static boolean isPoolView(String name) {
        return name.equals("Buffer") || name.equals("Uint8Array") || name.equals("FastBuffer");
    }

    /** A group's holder as a verdict names it: the holder, or the common dominator where no holder was found. */
    static String holder(BufferGroup g) {
        if (g.holder() != null) {
            return holders(g.holderCount(), g.holder()) + holderLabel(g.holder(), g.chain(), g.holderStep());
        }
        return holderLabel(g.commonDominator(), g.chain(), g.dominatorStep());
    }

    /** "3 × Array, one of them " before a holder that is one of several collections of its class; else nothing. */
    public static String holders(int count, NodeRef holder) {
        return count > 1 ? Units.count(count) + " × " + holder.name() + ", one of them " : "";
    }

    /** A holder with the step above it on the chain, when there is one: {@code Map @12 (open of LogShipper @11)}. */
    public static String holderLabel(NodeRef holder, List<ChainStep> chain, int holderStep) {
        if (holderStep >= 0 && holderStep + 1 < chain.size()) {
            ChainStep above = chain.get(holderStep + 1);
            return holder.label() + " (" + above.edgeName() + " of " + above.node().label() + ")";
        }
        return holder.label();
    }

    private static Map<String, Long> metrics(HeapSnapshot s, AnalysisResult.Totals t, List<BufferGroup> groups,
                                             List<Suspect> suspects) {
        Map<String, Long> m = new LinkedHashMap<>(); // the order of METRICS (a test holds them alike)
        m.put("native-bytes", t.nativeBytes());
        m.put("largest-group-bytes", groups.isEmpty() ? 0 : groups.get(0).totalBytes());
        m.put("largest-group-count", groups.isEmpty() ? 0L : groups.get(0).count());
        m.put("backing-stores", t.backingStores());
        m.put("self-bytes", t.selfBytes());
        m.put("node-count", (long) s.nodeCount());
        m.put("edge-count", (long) s.edgeCount());
        m.put("unreachable-nodes", t.unreachableNodes());
        m.put("top-suspect-bytes", suspects.isEmpty() ? 0 : suspects.get(0).bytes());
        m.put("top-suspect-count", suspects.isEmpty() ? 0 : suspects.get(0).count());
        return m;
    }
}
