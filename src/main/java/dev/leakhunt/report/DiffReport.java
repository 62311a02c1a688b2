package dev.leakhunt.report;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.leakhunt.analysis.BufferGroup;
import dev.leakhunt.analysis.DiffGroup;
import dev.leakhunt.analysis.DiffResult;
import dev.leakhunt.analysis.DiffTotals;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

import static dev.leakhunt.analysis.Units.bytes;
import static dev.leakhunt.analysis.Units.count;

/**
 * The report of {@code diff}, as text and as the {@code diff} object of the JSON document. Groups, chains, nodes
 * and metrics are written by {@link TextReport} and {@link JsonReport}; this class adds what only a diff has.
 * Snapshots are called A, B (and C) in the order given.
 */
public final class DiffReport {
    private static final String[] LABELS = {"A", "B", "C"};

    /** A snapshot {@code diff --pid} took: its file (gone afterwards unless kept), size and time. */
    public record Shot(String label, Path file, long bytes, long millis, boolean direct) {
    }

    /**
     * What came between two of those snapshots: the {@code --between} command (null if none) with its exit status
     * and time, and the interval waited.
     */
    public record Step(String command, int exitStatus, long commandMillis, long intervalMillis) {
    }

    /** The snapshots {@code diff --pid} took of process {@code pid} in one inspector session. */
    public record Live(long pid, List<Shot> shots, List<Step> steps, boolean kept) {
    }

    private final DiffResult r;
    private final Live live;

    public DiffReport(DiffResult result) {
        this(result, null);
    }

    public DiffReport(DiffResult result, Live live) {
        this.r = result;
        this.live = live;
    }

    private String first() {
        return LABELS[0];
    }

    private String last() {
        return LABELS[r.snapshots().size() - 1];
    }

    // ---- text ----

    public void text(PrintWriter out) {
        header(out);
        totals(out);
        if (r.verdict() != null) {
            out.println();
            out.println("Verdict: " + r.verdict());
        }
        TextReport text = new TextReport(out);
        out.println();
        text.suspects(r.suspects(), "Leak suspects in " + LABELS[r.snapshots().size() - 1] + ", the last snapshot");
        if (r.mode() == DiffResult.Mode.TOTALS) {
            grownGroups(out, text);
        } else {
            newGroups(out, text, r.bufferGroups(), r.bufferGroupCount(), "New ArrayBuffer backing stores", "total bytes");
            newGroups(out, text, r.objectGroups(), r.objectGroupCount(), "Other new objects, by class and retainers",
                    "self size");
        }
        groupChanges(out);
        classChanges(out);
    }

    private void header(PrintWriter out) {
        out.println(switch (r.mode()) {
            case IDS -> "Diff of two snapshots of one process, matched by node id";
            case SURVIVORS -> "Diff of three snapshots of one process: objects allocated between A and B still alive in C";
            case TOTALS -> "Diff by class and backing-store totals: the node ids do not match (different processes, "
                    + "or ids reset between the snapshots)";
        });
        if (live != null) {
            out.println("  taken of pid " + live.pid() + " in one inspector session" + steps()
                    + (live.kept() ? "" : "; the files were temporary"));
        }
        for (int i = 0; i < r.snapshots().size(); i++) {
            DiffResult.SnapshotInfo s = r.snapshots().get(i);
            out.println("  " + LABELS[i] + "  " + (live == null || live.kept() ? s.file()
                    : bytes(live.shots().get(i).bytes()) + " snapshot, taken in " + seconds(live.shots().get(i).millis())));
            out.println("     " + count(s.nodeCount()) + " nodes · self " + bytes(s.selfBytes())
                    + " · ArrayBuffer backing stores " + bytes(s.nativeBytes()) + " in " + count(s.backingStores()));
        }
        DiffResult.Identity id = r.identity();
        String sampled = id.checkedIds() == 0 ? "" : "; of " + count(id.checkedIds()) + " sampled, "
                + percent(id.agreeingIds(), id.checkedIds()) + " name the same objects in both";
        out.println("  " + count(id.sharedIds()) + " heap-object ids in both " + first() + " and " + last() + sampled
                + (r.mode() == DiffResult.Mode.TOTALS ? " (ids do not match)" : ""));
    }

    /** "; between them: 'k6 run load.js' (exit 0, 12 s), then 10 s" for a live diff. */
    private String steps() {
        if (live.steps().isEmpty()) {
            return "";
        }
        Step step = live.steps().get(0);
        List<String> parts = new java.util.ArrayList<>();
        if (step.command() != null) {
            parts.add("'" + step.command() + "' (exit " + step.exitStatus() + ", " + seconds(step.commandMillis()) + ")");
        }
        if (step.intervalMillis() > 0) {
            parts.add((step.command() != null ? "then " : "") + seconds(step.intervalMillis()));
        }
        return parts.isEmpty() ? "" : "; between " + (live.steps().size() == 1 ? "them" : "each two") + ": "
                + String.join(", ", parts);
    }

    /** {@code 0.3 s}, {@code 12 s}: how the live diff says its times, here and on stderr. */
    public static String seconds(long ms) {
        return ms < 10_000 ? String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0) : Math.round(ms / 1000.0) + " s";
    }

    private void totals(PrintWriter out) {
        DiffResult.Change c = r.change();
        out.println();
        if (r.mode() == DiffResult.Mode.TOTALS) {
            out.println("Growth (sum over classes that grew): " + count(c.added().count())
                    + (c.added().count() == 1 ? " object, " : " objects, ")
                    + bytes(c.added().bytes()) + " · backing-store groups that grew: " + bytes(c.addedStores().bytes()));
            out.println("Shrinkage (sum over classes that shrank): " + count(c.freed().count())
                    + (c.freed().count() == 1 ? " object, " : " objects, ")
                    + bytes(c.freed().bytes()));
        } else {
            if (c.allocated() != null) {
                out.println("Allocated between A and B: " + count(c.allocated().count()) + " objects, "
                        + bytes(c.allocated().bytes()) + "; " + count(c.allocated().count() - c.added().count())
                        + " of them freed by C");
            }
            String where = r.mode() == DiffResult.Mode.SURVIVORS ? "Still alive in C: " : "New in B: ";
            out.println(where + count(c.added().count()) + " objects, " + bytes(c.added().bytes()) + " · of which "
                    + count(c.addedStores().count()) + (c.addedStores().count() == 1 ? " backing store, " : " backing stores, ")
                    + bytes(c.addedStores().bytes())
                    + (c.unreachable().count() > 0 ? " · " + count(c.unreachable().count()) + " unreachable ("
                    + bytes(c.unreachable().bytes()) + ") not counted" : ""));
            out.println("Freed: " + count(c.freed().count()) + (c.freed().count() == 1 ? " object of " : " objects of ")
                    + first() + (c.freed().count() == 1 ? " is" : " are") + " gone from " + last() + ", "
                    + bytes(c.freed().bytes()));
        }
        out.println("Embedder nodes (new ids in every snapshot, compared by totals): " + count(c.embedderBefore().count())
                + ", " + bytes(c.embedderBefore().bytes()) + " → " + count(c.embedderAfter().count()) + ", "
                + bytes(c.embedderAfter().bytes()));
    }

    private void newGroups(PrintWriter out, TextReport text, List<DiffGroup> groups, int total, String title,
                           String order) {
        out.println();
        if (groups.isEmpty()) {
            out.println(title + ": none");
            return;
        }
        out.println(title + " (" + (groups.size() < total ? groups.size() + " largest of " + count(total) + " groups"
                : total == 1 ? "1 group" : total + " groups") + ", by " + order + ")");
        for (int i = 0; i < groups.size(); i++) {
            DiffGroup d = groups.get(i);
            BufferGroup g = d.group();
            out.println();
            out.printf("#%d  +%s × %s @ %s = %s · retained %s%s%n", i + 1, count(g.count()), d.className(), size(g),
                    bytes(g.totalBytes()), bytes(d.retainedBytes()), d.before() == null ? ""
                            : " · " + first() + " had " + count(d.before().count()) + " (" + bytes(d.before().bytes())
                            + ") with this chain");
            if (d.signature() == null) {
                out.println("    (the engine's code and metadata: grouped by class alone)");
            }
            text.groupBody(g);
        }
    }

    private void grownGroups(PrintWriter out, TextReport text) {
        out.println();
        if (r.bufferGroups().isEmpty()) {
            out.println("ArrayBuffer backing-store groups that grew: none");
            return;
        }
        out.println("ArrayBuffer backing-store groups that grew (" + r.bufferGroups().size() + " of "
                + r.bufferGroupCount() + "), as they stand in " + last());
        for (int i = 0; i < r.bufferGroups().size(); i++) {
            DiffGroup d = r.bufferGroups().get(i);
            BufferGroup g = d.group();
            out.println();
            out.printf("#%d  %s → %s × %s @ %s: %s → %s (%s)%n", i + 1, count(d.before().count()), count(g.count()),
                    d.className(), size(g), bytes(d.before().bytes()), bytes(g.totalBytes()),
                    signed(g.totalBytes() - d.before().bytes()));
            text.groupBody(g);
        }
    }

    private void groupChanges(PrintWriter out) {
        out.println();
        if (r.groupChanges().isEmpty()) {
            out.println("ArrayBuffer groups that grew or shrank, " + first() + " → " + last() + ": none");
            return;
        }
        out.println("ArrayBuffer groups that grew or shrank, " + first() + " → " + last() + " (by chain signature)");
        Table t = new Table("count", "bytes", "change", "chain").rightAligned(0, 1, 2);
        for (DiffResult.GroupChange c : r.groupChanges()) {
            t.row(count(c.before().count()) + " → " + count(c.after().count()),
                    bytes(c.before().bytes()) + " → " + bytes(c.after().bytes()), signed(c.deltaBytes()),
                    retainers(c.signature()));
        }
        t.print(out, "  ");
    }

    private void classChanges(PrintWriter out) {
        out.println();
        if (r.classChanges().isEmpty()) {
            out.println("Classes, " + first() + " → " + last() + ": no change");
            return;
        }
        out.println("Classes, " + first() + " → " + last() + " (top " + r.classChanges().size()
                + " by change of self size)");
        Table t;
        if (r.mode() == DiffResult.Mode.TOTALS) {
            t = new Table("count", "self", "Δ self", "class").rightAligned(0, 1, 2);
            for (DiffResult.ClassChange c : r.classChanges()) {
                t.row(count(c.before().count()) + " → " + count(c.after().count()),
                        bytes(c.before().bytes()) + " → " + bytes(c.after().bytes()), signed(c.deltaBytes()), c.name());
            }
        } else {
            String added = r.mode() == DiffResult.Mode.SURVIVORS ? "survived" : "new";
            t = new Table(added, added + " self", "freed", "freed self", "Δ self", "class").rightAligned(0, 1, 2, 3, 4);
            for (DiffResult.ClassChange c : r.classChanges()) {
                t.row(count(c.added().count()), bytes(c.added().bytes()), count(c.freed().count()),
                        bytes(c.freed().bytes()), signed(c.deltaBytes()), c.name());
            }
        }
        t.print(out, "  ");
    }

    private static String size(BufferGroup g) {
        return g.sizeBytes() != null ? bytes(g.sizeBytes()) : bytes(g.minBytes()) + "–" + bytes(g.maxBytes());
    }

    private static String signed(long delta) {
        return (delta > 0 ? "+" : delta < 0 ? "−" : "") + bytes(Math.abs(delta));
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "0%" : Math.round(100.0 * part / whole) + "%";
    }

    /** A signature without its first step (the member itself) and with arrows: {@code buffer in Buffer ← Ua in Kb}. */
    static String retainers(String signature) {
        String[] steps = signature.split(" <- ", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < steps.length; i++) {
            if (!steps[i].isEmpty()) {
                sb.append(sb.length() == 0 ? "" : " ← ").append(steps[i]);
            }
        }
        return sb.length() == 0 ? "(no retainer)" : sb.toString();
    }

    // ---- JSON ----

    /** A signature as JSON shows it: the steps joined by {@code " <- "}, without the trailing separator. */
    static String signature(String signature) {
        if (signature == null) {
            return null;
        }
        return signature.endsWith(" <- ") ? signature.substring(0, signature.length() - 4) : signature;
    }

    /** Writes the {@code diff} object, then the metrics, into an open document. */
    public void json(JsonReport report) {
        JsonGenerator g = report.generator();
        try {
            g.writeObjectFieldStart("diff");
            g.writeStringField("mode", r.mode().jsonName());
            g.writeArrayFieldStart("snapshots");
            for (int i = 0; i < r.snapshots().size(); i++) {
                DiffResult.SnapshotInfo s = r.snapshots().get(i);
                g.writeStartObject();
                g.writeStringField("label", LABELS[i]);
                g.writeStringField("file", live != null && !live.kept() ? null : s.file());
                g.writeNumberField("nodeCount", s.nodeCount());
                g.writeNumberField("edgeCount", s.edgeCount());
                g.writeNumberField("selfBytes", s.selfBytes());
                g.writeNumberField("nativeBytes", s.nativeBytes());
                g.writeNumberField("backingStores", s.backingStores());
                g.writeEndObject();
            }
            g.writeEndArray();
            if (live != null) {
                live(g);
            }
            identity(g);
            change(g);
            g.writeStringField("verdict", r.verdict());
            groups(g, report, "bufferGroups", r.bufferGroups());
            g.writeNumberField("bufferGroupCount", r.bufferGroupCount());
            groups(g, report, "objectGroups", r.objectGroups());
            g.writeNumberField("objectGroupCount", r.objectGroupCount());
            report.suspects(r.suspects());
            groupChanges(g);
            classChanges(g);
            g.writeEndObject();
            report.metrics(r.metrics());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code capture[]} and {@code between[]} of a diff that took its snapshots itself. */
    private void live(JsonGenerator g) throws IOException {
        g.writeNumberField("pid", live.pid());
        g.writeArrayFieldStart("capture");
        for (Shot shot : live.shots()) {
            g.writeStartObject();
            g.writeStringField("label", shot.label());
            g.writeStringField("file", live.kept() ? shot.file().toString() : null);
            g.writeNumberField("bytes", shot.bytes());
            g.writeNumberField("millis", shot.millis());
            g.writeBooleanField("writtenByTarget", shot.direct());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("between");
        for (Step step : live.steps()) {
            g.writeStartObject();
            g.writeStringField("command", step.command());
            if (step.command() != null) {
                g.writeNumberField("exitStatus", step.exitStatus());
                g.writeNumberField("commandMillis", step.commandMillis());
            } else {
                g.writeNullField("exitStatus");
                g.writeNullField("commandMillis");
            }
            g.writeNumberField("intervalMillis", step.intervalMillis());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private void identity(JsonGenerator g) throws IOException {
        DiffResult.Identity id = r.identity();
        g.writeObjectFieldStart("identity");
        g.writeBooleanField("sameProcess", r.mode() != DiffResult.Mode.TOTALS);
        g.writeNumberField("sharedIds", id.sharedIds());
        g.writeNumberField("checkedIds", id.checkedIds());
        g.writeNumberField("agreeingIds", id.agreeingIds());
        g.writeEndObject();
    }

    private void change(JsonGenerator g) throws IOException {
        DiffResult.Change c = r.change();
        totals(g, "added", c.added());
        totals(g, "addedStores", c.addedStores());
        totals(g, "unreachable", c.unreachable());
        totals(g, "allocated", c.allocated());
        totals(g, "freed", c.freed());
        g.writeObjectFieldStart("embedder");
        totals(g, "before", c.embedderBefore());
        totals(g, "after", c.embedderAfter());
        g.writeEndObject();
    }

    private static void totals(JsonGenerator g, String field, DiffTotals t) throws IOException {
        if (t == null) {
            g.writeNullField(field);
            return;
        }
        g.writeObjectFieldStart(field);
        g.writeNumberField("count", t.count());
        g.writeNumberField("bytes", t.bytes());
        g.writeEndObject();
    }

    private static void groups(JsonGenerator g, JsonReport report, String field, List<DiffGroup> groups)
            throws IOException {
        g.writeArrayFieldStart(field);
        for (DiffGroup d : groups) {
            g.writeStartObject();
            g.writeStringField("class", d.className());
            g.writeStringField("signature", signature(d.signature()));
            g.writeNumberField("retainedBytes", d.retainedBytes());
            totals(g, "before", d.before());
            g.writeFieldName("group");
            report.group(d.group());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private void groupChanges(JsonGenerator g) throws IOException {
        g.writeArrayFieldStart("groupChanges");
        for (DiffResult.GroupChange c : r.groupChanges()) {
            g.writeStartObject();
            g.writeStringField("signature", signature(c.signature()));
            totals(g, "before", c.before());
            totals(g, "after", c.after());
            g.writeNumberField("deltaBytes", c.deltaBytes());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private void classChanges(JsonGenerator g) throws IOException {
        g.writeArrayFieldStart("classChanges");
        for (DiffResult.ClassChange c : r.classChanges()) {
            g.writeStartObject();
            g.writeStringField("name", c.name());
            totals(g, "before", c.before());
            totals(g, "after", c.after());
            totals(g, "added", c.added());
            totals(g, "freed", c.freed());
            g.writeNumberField("deltaBytes", c.deltaBytes());
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
