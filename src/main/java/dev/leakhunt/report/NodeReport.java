package dev.leakhunt.report;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.analysis.BufferGroup;
import dev.leakhunt.analysis.ChainStep;
import dev.leakhunt.analysis.ClassRow;
import dev.leakhunt.analysis.DiffResult;
import dev.leakhunt.analysis.NodeRef;
import dev.leakhunt.analysis.Suspect;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;

import static dev.leakhunt.analysis.Units.bytes;
import static dev.leakhunt.analysis.Units.count;

/**
 * The answers of the explore shell about single nodes: a node with its edges, its retainers, its dominators, what
 * it dominates, the nodes of a class, strings. {@link Text} prints them for people (built on {@link Table} and
 * {@link TextReport}), {@link Json} writes them into a {@link JsonReport} document; both also pass through the
 * analysis parts (summary, groups, classes, chains) so that explore and analyze print those one way.
 */
public final class NodeReport {
    private NodeReport() {
    }

    /**
     * An edge seen from one end: for a node's own edges {@code node} is the target, for its retainers the holder.
     * {@code retains} says whether the edge keeps its target alive (weak edges and the like do not);
     * {@code distance} is {@code node}'s distance from the roots, null when no retaining path reaches it.
     */
    public record Edge(String edgeType, String edgeName, boolean retains, Integer distance, NodeRef node) {
    }

    /** A node with the first {@code edges.size()} of its {@code edgeCount} edges, in the snapshot's order. */
    public record Details(NodeRef node, Integer distance, NodeRef dominator, int edgeCount, List<Edge> edges,
                          dev.leakhunt.analysis.Allocated allocated) {
    }

    /** The first {@code shown.size()} of {@code total} items of a list, with what the caller asked for. */
    public record Listing<T>(int total, List<T> shown) {
        public int more() {
            return total - shown.size();
        }
    }

    /** A string of the snapshot's string table: its index, length, a preview, and the first node it names (or null). */
    public record StringMatch(int index, int byteLength, String preview, NodeRef node) {
    }

    /** Distances from {@code HeapGraph.SYSTEM_DISTANCE} up are reached only from the synthetic roots. */
    private static final int SYSTEM_DISTANCE = 100_000_000;

    static String distance(Integer d) {
        if (d == null) {
            return "unreachable";
        }
        return d >= SYSTEM_DISTANCE ? "system+" + (d - SYSTEM_DISTANCE) : Integer.toString(d);
    }

    /** The text answers. */
    public static final class Text {
        private final PrintWriter out;
        private final TextReport report;

        public Text(PrintWriter out) {
            this.out = out;
            this.report = new TextReport(out);
        }

        public void summary(AnalysisResult r) {
            report.header(r);
            report.verdict(r);
            out.println();
            out.println("  'groups' shows the backing-store groups, 'classes' the classes by retained size, "
                    + "'find CLASS' the nodes of a class");
        }

        public void groups(List<BufferGroup> groups, long backingStores) {
            report.groups(groups, backingStores);
        }

        public void suspects(List<Suspect> suspects) {
            report.suspects(suspects);
        }

        public void classes(List<ClassRow> rows, String filter) {
            if (rows.isEmpty()) {
                out.println("No class matches '" + filter + "'.");
                return;
            }
            report.classes(rows);
        }

        /** A node's retainer chain; {@code distance} is the node's (null when unreachable). */
        public void diff(DiffResult result) {
            new DiffReport(result).text(out);
        }

        public void chain(List<ChainStep> chain, Integer distance) {
            NodeRef node = chain.get(0).node();
            if (chain.size() == 1 && distance != null) {
                out.println(node.label() + (distance == 0 ? " is the root" : " is held by the root itself"));
                return;
            }
            out.println("Retainer chain of " + node.label() + " (" + count(chain.size() - 1)
                    + (chain.size() == 2 ? " step" : " steps") + " to a child of the root)");
            report.chain(chain, "  ", -1);
        }

        public void details(Details d) {
            NodeRef n = d.node();
            out.println(n.label() + (n.location() == null ? "" : "  at " + n.location().shown()));
            out.println("  " + n.type() + " · self " + bytes(n.selfBytes()) + " · retained " + bytes(n.retainedBytes())
                    + " · distance " + distance(d.distance())
                    + (d.dominator() == null ? "" : " · dominator " + d.dominator().label()));
            if (d.allocated() != null) {
                out.println(d.allocated().stacks().isEmpty()
                        ? "  allocated: " + (d.allocated().whileTracked() == 0 ? "before tracking began"
                                : "not known (V8 did not keep its stack)")
                        : "  allocated at " + TextReport.stack(d.allocated().stacks().get(0)));
            }
            if (d.edgeCount() == 0) {
                out.println("  no edges");
                return;
            }
            out.println("  " + count(d.edgeCount()) + (d.edgeCount() == 1 ? " edge" : " edges")
                    + (d.edges().size() < d.edgeCount() ? ", the first " + count(d.edges().size()) : ""));
            Table t = new Table("edge", "name", "self", "retained", "to").rightAligned(2, 3);
            for (Edge e : d.edges()) {
                t.row(e.edgeType() + (e.retains() ? "" : "*"), e.edgeName(), bytes(e.node().selfBytes()),
                        bytes(e.node().retainedBytes()), e.node().label());
            }
            t.print(out, "    ");
            more(d.edgeCount() - d.edges().size(), "edges", "show @" + n.id() + " -n 0");
            notRetaining(d.edges());
        }

        public void retainers(NodeRef node, Listing<Edge> retainers) {
            if (retainers.total() == 0) {
                out.println(node.label() + " has no retainers");
                return;
            }
            long retaining = retainers.shown().stream().filter(Edge::retains).count();
            out.println(count(retainers.total()) + (retainers.total() == 1 ? " retainer" : " retainers") + " of "
                    + node.label() + ", nearest the roots first"
                    + (retainers.more() > 0 ? "; the first " + count(retainers.shown().size()) : "")
                    + " (" + count(retaining) + " retaining" + (retainers.more() > 0 ? " of those shown" : "") + ")");
            Table t = new Table("edge", "name", "distance", "retained", "in").rightAligned(2, 3);
            for (Edge e : retainers.shown()) {
                t.row(e.edgeType() + (e.retains() ? "" : "*"), e.edgeName(), distance(e.distance()),
                        bytes(e.node().retainedBytes()), e.node().label());
            }
            t.print(out, "  ");
            more(retainers.more(), "retainers", "retainers @" + node.id() + " -n 0");
            notRetaining(retainers.shown());
        }

        /** The node first, then each immediate dominator up to the root. */
        public void dominators(List<NodeRef> path) {
            NodeRef node = path.get(0);
            out.println("Dominators of " + node.label() + " (" + count(path.size() - 1) + " up to the root)");
            Table t = new Table("", "retained", "node").rightAligned(1);
            for (int i = 0; i < path.size(); i++) {
                t.row(i == 0 ? "" : "↑", bytes(path.get(i).retainedBytes()), path.get(i).label());
            }
            t.print(out, "  ");
        }

        public void dominated(NodeRef node, Listing<NodeRef> children) {
            if (children.total() == 0) {
                out.println(node.label() + " dominates no other node (retains only its own " + bytes(node.selfBytes()) + ")");
                return;
            }
            out.println(node.label() + " retains " + bytes(node.retainedBytes()) + " and immediately dominates "
                    + count(children.total()) + (children.total() == 1 ? " node" : " nodes")
                    + (children.more() > 0 ? "; the " + count(children.shown().size()) + " largest" : ", largest first"));
            nodes(children.shown(), "  ");
            more(children.more(), "nodes", "dominated @" + node.id() + " " + children.total());
        }

        /** The nodes of a class or name, largest retained first. */
        public void found(String name, long selfBytes, Listing<NodeRef> nodes) {
            if (nodes.total() == 0) {
                out.println("No node of class or name '" + name + "' ('classes " + name + "' lists classes containing it)");
                return;
            }
            out.println(count(nodes.total()) + (nodes.total() == 1 ? " node" : " nodes") + " of class or name '"
                    + name + "', self " + bytes(selfBytes)
                    + (nodes.more() > 0 ? "; the " + count(nodes.shown().size()) + " largest by retained size"
                            : ", largest retained first"));
            nodes(nodes.shown(), "  ");
            more(nodes.more(), "nodes", "find -n 0 " + name);
        }

        public void strings(String regex, int stringCount, Listing<StringMatch> matches) {
            out.println(count(matches.total()) + " of " + count(stringCount) + " strings match /" + regex + "/"
                    + (matches.more() > 0 ? "; the first " + count(matches.shown().size()) : ""));
            if (matches.total() == 0) {
                return;
            }
            Table t = new Table("index", "bytes", "node", "string").rightAligned(0, 1);
            for (StringMatch m : matches.shown()) {
                t.row(Integer.toString(m.index()), count(m.byteLength()), m.node() == null ? "-" : "@" + m.node().id(),
                        "\"" + m.preview() + "\"");
            }
            t.print(out, "  ");
            more(matches.more(), "strings", "strings -n 0 " + regex);
        }

        private void nodes(List<NodeRef> nodes, String indent) {
            Table t = new Table("id", "type", "self", "retained", "name").rightAligned(0, 2, 3);
            for (NodeRef n : nodes) {
                t.row("@" + n.id(), n.type(), bytes(n.selfBytes()), bytes(n.retainedBytes()),
                        n.name() + (n.hint() == null ? "" : " " + n.hint()));
            }
            t.print(out, indent);
        }

        private void more(int more, String what, String command) {
            if (more > 0) {
                out.println("  … " + count(more) + " more " + what + " ('" + command + "' lists all)");
            }
        }

        private void notRetaining(List<Edge> edges) {
            if (edges.stream().anyMatch(e -> !e.retains())) {
                out.println("  * does not retain (weak, a shortcut, or a self reference)");
            }
        }
    }

    /** The JSON answers: fields of the one document a {@link JsonReport} holds. */
    public static final class Json {
        private final JsonReport report;
        private final JsonGenerator g;

        public Json(JsonReport report) {
            this.report = report;
            this.g = report.generator();
        }

        public void summary(AnalysisResult r) {
            report.analysis(r);
        }

        public void suspects(List<Suspect> suspects) {
            write(() -> report.suspects(suspects));
        }

        public void groups(List<BufferGroup> groups) {
            write(() -> {
                g.writeArrayFieldStart("groups");
                for (BufferGroup group : groups) {
                    report.group(group);
                }
                g.writeEndArray();
            });
        }

        public void classes(List<ClassRow> rows, String filter) {
            write(() -> {
                g.writeStringField("filter", filter);
                report.classes(rows);
            });
        }

        public void diff(DiffResult result) {
            new DiffReport(result).json(report);
        }

        public void chain(List<ChainStep> chain, Integer distance) {
            write(() -> {
                g.writeFieldName("distance");
                distance(distance);
                g.writeFieldName("chain");
                report.chain(chain);
            });
        }

        public void details(Details d) {
            write(() -> {
                node("node", d.node());
                g.writeFieldName("distance");
                distance(d.distance());
                node("dominator", d.dominator());
                g.writeNumberField("edgeCount", d.edgeCount());
                edges("edges", d.edges());
                report.allocations(d.allocated());
            });
        }

        public void retainers(NodeRef node, Listing<Edge> retainers) {
            write(() -> {
                node("node", node);
                g.writeNumberField("retainerCount", retainers.total());
                edges("retainers", retainers.shown());
            });
        }

        public void dominators(List<NodeRef> path) {
            write(() -> {
                node("node", path.get(0));
                nodes("dominators", path.subList(1, path.size()));
            });
        }

        public void dominated(NodeRef node, Listing<NodeRef> children) {
            write(() -> {
                node("node", node);
                g.writeNumberField("dominatedCount", children.total());
                nodes("dominated", children.shown());
            });
        }

        public void found(String name, long selfBytes, Listing<NodeRef> nodes) {
            write(() -> {
                g.writeStringField("name", name);
                g.writeNumberField("count", nodes.total());
                g.writeNumberField("selfBytes", selfBytes);
                nodes("nodes", nodes.shown());
            });
        }

        public void strings(String regex, int stringCount, Listing<StringMatch> matches) {
            write(() -> {
                g.writeStringField("regex", regex);
                g.writeNumberField("stringCount", stringCount);
                g.writeNumberField("count", matches.total());
                g.writeArrayFieldStart("strings");
                for (StringMatch m : matches.shown()) {
                    g.writeStartObject();
                    g.writeNumberField("index", m.index());
                    g.writeNumberField("bytes", m.byteLength());
                    g.writeStringField("preview", m.preview());
                    node("node", m.node());
                    g.writeEndObject();
                }
                g.writeEndArray();
            });
        }

        private void edges(String field, List<Edge> edges) throws IOException {
            g.writeArrayFieldStart(field);
            for (Edge e : edges) {
                g.writeStartObject();
                g.writeStringField("edgeType", e.edgeType());
                g.writeStringField("edgeName", e.edgeName());
                g.writeBooleanField("retains", e.retains());
                g.writeFieldName("distance");
                distance(e.distance());
                node("node", e.node());
                g.writeEndObject();
            }
            g.writeEndArray();
        }

        private void nodes(String field, List<NodeRef> nodes) throws IOException {
            g.writeArrayFieldStart(field);
            for (NodeRef n : nodes) {
                report.node(n);
            }
            g.writeEndArray();
        }

        private void node(String field, NodeRef n) throws IOException {
            report.nodeOrNull(field, n);
        }

        private void distance(Integer d) throws IOException {
            if (d == null) {
                g.writeNull();
            } else {
                g.writeNumber(d);
            }
        }

        private interface Body {
            void write() throws IOException;
        }

        private static void write(Body body) {
            try {
                body.write();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
