package dev.leakhunt.report;

import dev.leakhunt.analysis.Analysis;
import dev.leakhunt.analysis.Allocated;
import dev.leakhunt.analysis.AllocationStack;
import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.analysis.BufferGroup;
import dev.leakhunt.analysis.ChainStep;
import dev.leakhunt.analysis.ClassRow;
import dev.leakhunt.analysis.NodeRef;
import dev.leakhunt.analysis.Suspect;
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
        suspects(r.suspects());
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

    /**
     * The leak suspects as a table, best first, then the top suspect's chain through its holder (▶) when it is a
     * collection of JS objects (a native suspect's chain is its group's, below).
     */
    public void suspects(List<Suspect> suspects) {
        suspects(suspects, "Leak suspects");
    }

    /** As {@link #suspects(List)}, under another title. */
    public void suspects(List<Suspect> suspects, String title) {
        if (suspects.isEmpty()) {
            out.println(title + ": none (no collection of similar members holds 2% of the heap or more)");
            return;
        }
        out.println(title + " (best first)");
        Table t = new Table("#", "kind", "members", "bytes", "share", "holder").rightAligned(0, 2, 3, 4);
        for (int i = 0; i < suspects.size(); i++) {
            Suspect s = suspects.get(i);
            t.row(Integer.toString(i + 1), s.kind(), count(s.count()) + " × " + s.memberClass(), bytes(s.bytes()),
                    Math.round(100 * s.share()) + "%", Analysis.holders(s.holderCount(), s.holder()) + s.holder().label());
        }
        t.print(out, "  ");
        Suspect top = suspects.get(0);
        if (top.group() == null) {
            out.println();
            out.println("#1  " + count(top.count()) + " × " + top.memberClass() + " = " + bytes(top.bytes())
                    + " retained, in " + top.holder().label());
            chain(top.chain(), "    ", -1, top.holderStep());
            if (!top.keys().isEmpty()) {
                out.println("    keys: " + String.join(", ", top.keys()) + (top.count() > top.keys().size() ? ", …" : ""));
            }
            allocations(top.allocations(), top.count(), "    ");
        }
    }

    public void groups(List<BufferGroup> groups, long backingStores) {
        if (groups.isEmpty()) {
            out.println(backingStores == 0 ? "No ArrayBuffer backing stores."
                    : "ArrayBuffer backing-store groups: none shown (--top 0), of " + count(backingStores) + " backing stores");
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

    /**
     * What follows a group's heading: one member's chain, how many share it, the holder (▶ on the chain) with what
     * else holds the members and a few keys, and the common dominator (◆).
     */
    public void groupBody(BufferGroup g) {
        chain(g.chain(), "    ", g.dominatorStep(), g.holderStep());
        out.println("    " + count(g.sharingChain()) + " of " + count(g.count()) + " share this chain");
        if (g.holder() != null) {
            out.println("    holder: " + Analysis.holders(g.holderCount(), g.holder())
                    + Analysis.holderLabel(g.holder(), g.chain(), g.holderStep())
                    + (g.holderStep() >= 0 ? " (▶ on the chain above)" : ""));
        }
        if (!g.keys().isEmpty()) {
            out.println("    keys: " + String.join(", ", g.keys()) + (g.count() > g.keys().size() ? ", …" : ""));
        }
        if (g.alsoHeldBy() != null) {
            out.println("    also held by " + count(g.alsoHeldCount()) + " × " + g.alsoHeldBy() + alsoAdvice(g.alsoHeldBy()));
        }
        NodeRef d = g.commonDominator();
        out.println("    common dominator: " + d.label() + ", retains " + bytes(d.retainedBytes())
                + (g.dominatorStep() >= 0 ? " (◆ on the chain above)" : " (not on the chain above)"));
        allocations(g.allocations(), g.count(), "    ");
    }

    /**
     * Where the members were allocated, a line per stack, then what is not known ({@code allocated: 28 of 30 at write (sql.js/…:1:2345) ←
     * … 3 more ← open (src/backend.js:42:3) ← handler (src/server.js:17:5)}); nothing when the snapshot holds no
     * stacks (allocations were not tracked).
     */
    public void allocations(Allocated allocated, long members, String indent) {
        if (allocated == null) {
            return;
        }
        for (AllocationStack a : allocated.stacks()) {
            out.println(indent + "allocated: " + count(a.count()) + " of " + count(members) + " at " + stack(a));
        }
        String coverage = coverage(allocated);
        if (coverage != null) {
            out.println(indent + "allocated: " + coverage);
        }
    }

    /**
     * What is not known of where the members were allocated, and why: {@code 24 of 54 before tracking began; V8
     * kept the stack of 3 of the 30 allocated while tracked (…: hints, not proof)}; null when all are known.
     */
    public static String coverage(Allocated a) {
        if (a.known() == a.members()) {
            return null;
        }
        long before = a.whileTracked() < 0 ? -1 : a.members() - a.whileTracked();
        StringBuilder sb = new StringBuilder();
        if (before > 0) {
            sb.append(count(before)).append(" of ").append(count(a.members())).append(" before tracking began");
        }
        long tracked = a.whileTracked() < 0 ? a.members() : a.whileTracked();
        if (a.known() < tracked) {
            sb.append(sb.length() > 0 ? "; " : "").append("V8 kept the stack of ").append(count(a.known()))
                    .append(" of the ").append(count(tracked)).append(a.whileTracked() < 0 ? "" : " allocated while tracked");
            if (!a.mostlyKnown()) {
                sb.append(" (its young-generation collections lose the stacks of objects they move, and may give "
                        + "one another's: hints, not proof)");
            }
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /**
     * A stack on one line, innermost first: the frame that allocated and its caller, then the service's own first
     * frame and its caller, the frames between counted ("… 3 more"); where no frame is the service's own, the first
     * four.
     */
    public static String stack(AllocationStack a) {
        List<AllocationStack.Frame> frames = a.frames();
        if (frames.isEmpty()) {
            return "(the engine)";
        }
        int own = -1;
        for (int i = 0; i < frames.size() && own < 0; i++) {
            own = frames.get(i).own() ? i : -1;
        }
        boolean[] show = new boolean[frames.size()];
        for (int i = 0; i < frames.size(); i++) {
            show[i] = own < 0 ? i < 4 : i < 2 || i == own || i == own + 1;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < frames.size(); i++) {
            if (show[i]) {
                sb.append(i > 0 ? " ← " : "").append(frames.get(i).shown());
                continue;
            }
            int j = i;
            while (j < frames.size() && !show[j]) {
                j++;
            }
            sb.append(" ← … ").append(j - i).append(" more");
            i = j - 1;
        }
        return sb.toString();
    }

    /** What to do about the other holders, where their class says: timers are cleared, handles closed. */
    public static String alsoAdvice(String holderClass) {
        return switch (holderClass) {
            case "Timeout" -> " (active timers: clearTimeout/clearInterval them)";
            case "Immediate" -> " (pending setImmediate callbacks)";
            default -> holderClass.startsWith("Node / ") ? " (native handles: close them)" : "";
        };
    }

    /** {@code   at src/server.js:27:43}: where in the code the step's node comes from, when the snapshot says. */
    private static String at(ChainStep step) {
        return step.node().location() == null ? "" : "  at " + step.node().location().shown();
    }

    public void chain(List<ChainStep> chain, String indent, int mark) {
        chain(chain, indent, mark, -1);
    }

    /**
     * A chain, member first; the step at {@code mark} gets a ◆, the holder's at {@code holder} a ▶ (-1: none). A long
     * chain shows the steps near the member, then the holder and the step above it (the user's own name for it),
     * and shortens the middle and the far end: never the end a developer recognises.
     */
    public void chain(List<ChainStep> chain, String indent, int mark, int holder) {
        boolean[] show = new boolean[chain.size()];
        for (int i = 0; i < Math.min(chain.size(), chain.size() <= CHAIN_STEPS ? CHAIN_STEPS : CHAIN_HEAD); i++) {
            show[i] = true;
        }
        for (int at : new int[] {mark, holder}) {
            for (int i = at; at >= CHAIN_HEAD && i <= at + 1 && i < chain.size(); i++) {
                show[i] = true;
            }
        }
        for (int i = 0; i < chain.size(); i++) {
            if (!show[i]) {
                int j = i;
                while (j < chain.size() && !show[j]) {
                    j++;
                }
                out.println(indent + "  … " + (j - i) + (j == chain.size()
                        ? " more to " + chain.get(chain.size() - 1).node().name() : " more"));
                i = j - 1;
                continue;
            }
            ChainStep step = chain.get(i);
            String marker = (i == holder ? "  ▶" : "") + (i == mark ? "  ◆" : "");
            if (i == 0) {
                out.println(indent + step.node().label() + "  " + bytes(step.node().selfBytes()) + marker + at(step));
            } else {
                out.println(indent + "  ← " + step.edgeName() + " in " + step.node().label() + marker + at(step));
            }
        }
        if (chain.size() == 1) {
            out.println(indent + "  (no retainer: unreachable, awaiting garbage collection)");
        }
    }

    public void classes(List<ClassRow> rows) {
        if (rows.isEmpty()) {
            out.println("Classes by retained size: none shown (--classes 0)");
            return;
        }
        out.println("Classes by retained size (top " + rows.size() + ")");
        Table t = new Table("count", "self", "retained", "class").rightAligned(0, 1, 2);
        for (ClassRow row : rows) {
            t.row(count(row.count()), bytes(row.selfBytes()), bytes(row.retainedBytes()), row.name());
        }
        t.print(out, "  ");
    }
}
