package dev.leakhunt.report;

import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.analysis.BufferGroup;
import dev.leakhunt.analysis.ChainStep;
import dev.leakhunt.analysis.ClassRow;
import dev.leakhunt.analysis.NodeRef;
import java.io.PrintWriter;
import java.util.List;

import static dev.leakhunt.analysis.Units.bytes;
import static dev.leakhunt.analysis.Units.count;

/** The report for people: aligned tables, binary units, chains as arrows. Every text command prints through it. */
public final class TextReport {
    /** Chains longer than this show their first {@link #CHAIN_HEAD} steps and a count of the rest. */
    public static final int CHAIN_STEPS = 12;
    private static final int CHAIN_HEAD = 10;

    private final PrintWriter out;

    public TextReport(PrintWriter out) {
        this.out = out;
    }

    public void analysis(AnalysisResult r) {
        header(r);
        verdict(r);
        out.println();
        groups(r.groups(), r.totals().backingStores());
        out.println();
        classes(r.classes());
    }

    public void header(AnalysisResult r) {
        AnalysisResult.Totals t = r.totals();
        out.println(r.file());
        out.println("  " + count(r.nodeCount()) + " nodes · " + count(r.edgeCount()) + " edges · self size "
                + bytes(t.selfBytes()) + " · " + count(t.unreachableNodes()) + " unreachable nodes ("
                + bytes(t.unreachableBytes()) + ")");
        long rest = t.selfBytes() - t.nativeBytes();
        out.println("  ArrayBuffer backing stores " + bytes(t.nativeBytes()) + " in " + count(t.backingStores())
                + " · everything else " + bytes(rest)
                + (t.extraNativeBytes() > 0 ? " · extra native " + bytes(t.extraNativeBytes()) : ""));
    }

    /** A blank line and the verdict, when the analysis has one. */
    public void verdict(AnalysisResult r) {
        if (r.verdict() != null) {
            out.println();
            out.println("Verdict: " + r.verdict());
        }
    }

    public void groups(List<BufferGroup> groups, long backingStores) {
        if (groups.isEmpty()) {
            out.println("No ArrayBuffer backing stores.");
            return;
        }
        out.println("ArrayBuffer backing-store groups (" + groups.size() + " largest, by total bytes)");
        for (int i = 0; i < groups.size(); i++) {
            out.println();
            group(i + 1, groups.get(i));
        }
    }

    public void group(int number, BufferGroup g) {
        String size = g.sizeBytes() != null ? bytes(g.sizeBytes()) : bytes(g.minBytes()) + "–" + bytes(g.maxBytes());
        String name = g.chain().get(0).node().name();
        out.printf("#%d  %s × %s @ %s = %s%n", number, count(g.count()), name, size, bytes(g.totalBytes()));
        groupBody(g);
    }

    /** What follows a group's heading: one member's chain, how many share it, and the common dominator. */
    public void groupBody(BufferGroup g) {
        chain(g.chain(), "    ", g.dominatorStep());
        out.println("    " + count(g.sharingChain()) + " of " + count(g.count()) + " share this chain");
        NodeRef d = g.commonDominator();
        out.println("    common dominator: " + d.label() + ", retains " + bytes(d.retainedBytes())
                + (g.dominatorStep() >= 0 ? " (◆ on the chain above)" : " (not on the chain above)"));
    }

    /** A chain, member first; the step at {@code mark} (or none, -1) gets a ◆. */
    public void chain(List<ChainStep> chain, String indent, int mark) {
        int shown = chain.size() <= CHAIN_STEPS ? chain.size() : CHAIN_HEAD;
        for (int i = 0; i < shown; i++) {
            ChainStep step = chain.get(i);
            String marker = i == mark ? "  ◆" : "";
            if (i == 0) {
                out.println(indent + step.node().label() + "  " + bytes(step.node().selfBytes()) + marker);
            } else {
                out.println(indent + "  ← " + step.edgeName() + " in " + step.node().label() + marker);
            }
        }
        if (shown < chain.size()) {
            out.println(indent + "  … " + (chain.size() - shown) + " more to " + chain.get(chain.size() - 1).node().name());
        }
        if (chain.size() == 1) {
            out.println(indent + "  (no retainer: unreachable, awaiting garbage collection)");
        }
    }

    public void classes(List<ClassRow> rows) {
        out.println("Classes by retained size (top " + rows.size() + ")");
        Table t = new Table("count", "self", "retained", "class").rightAligned(0, 1, 2);
        for (ClassRow row : rows) {
            t.row(count(row.count()), bytes(row.selfBytes()), bytes(row.retainedBytes()), row.name());
        }
        t.print(out, "  ");
    }
}
