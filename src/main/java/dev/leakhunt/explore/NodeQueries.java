package dev.leakhunt.explore;

import dev.leakhunt.analysis.Describer;
import dev.leakhunt.analysis.NodeRef;
import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.report.NodeReport;
import dev.leakhunt.report.NodeReport.Edge;
import dev.leakhunt.report.NodeReport.Listing;
import dev.leakhunt.report.NodeReport.StringMatch;
import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.StringTable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell's questions about nodes, answered from the graph as report records. Scans over every node or edge
 * check {@link Session#checkCancelled} every {@value #CHECK_EVERY} items so that Ctrl-C stops them.
 */
final class NodeQueries {
    private static final int CHECK_EVERY = 1 << 16;
    private static final int STRING_PREVIEW_BYTES = 80;

    private final Session session;
    private final HeapGraph graph;
    private final HeapSnapshot s;
    private final Describer describer;

    NodeQueries(Session session) {
        this.session = session;
        this.graph = session.graph();
        this.s = graph.snapshot();
        this.describer = session.describer();
    }

    NodeRef ref(int node) {
        return describer.ref(node);
    }

    /** The node's distance from the roots, or null when no retaining path reaches it. */
    Integer distance(int node) {
        return graph.isUnreachable(node) ? null : graph.distance(node);
    }

    /** The node and its first {@code limit} edges (all when {@code limit <= 0}). */
    private dev.leakhunt.analysis.Allocations allocations;

    /** Where nodes were allocated, when the snapshot says (built on first use). */
    private dev.leakhunt.analysis.Allocations allocations() {
        if (allocations == null) {
            allocations = new dev.leakhunt.analysis.Allocations(graph);
        }
        return allocations;
    }

    NodeReport.Details details(int node, int limit) {
        int first = s.firstEdge(node);
        int end = s.endEdge(node);
        int shownEnd = limit <= 0 ? end : (int) Math.min(end, (long) first + limit);
        List<Edge> edges = new ArrayList<>(shownEnd - first);
        for (int e = first; e < shownEnd; e++) {
            int to = s.edgeTo(e);
            edges.add(new Edge(s.edgeTypeName(e), describer.edgeName(e), graph.rule().retains(node, e), distance(to),
                    ref(to)));
        }
        int dominator = graph.dominator(node);
        return new NodeReport.Details(ref(node), distance(node),
                dominator == HeapGraph.NO_DOMINATOR ? null : ref(dominator), end - first, edges,
                allocations().of(new int[] {node}, 1));
    }

    /**
     * Every edge that points to {@code node}, weak ones included: the graph's retainer index holds only retaining
     * edges, so this scans all edges. Retaining edges first, then by the holder's distance, then by edge kind.
     */
    Listing<Edge> retainers(int node, int limit) {
        int[] holder = new int[16];
        int[] edge = new int[16];
        int count = 0;
        for (int from = 0, n = s.nodeCount(); from < n; from++) {
            if ((from & (CHECK_EVERY - 1)) == 0) {
                session.checkCancelled();
            }
            for (int e = s.firstEdge(from), end = s.endEdge(from); e < end; e++) {
                if (s.edgeTo(e) == node) {
                    if (count == holder.length) {
                        holder = Arrays.copyOf(holder, count * 2);
                        edge = Arrays.copyOf(edge, count * 2);
                    }
                    holder[count] = from;
                    edge[count++] = e;
                }
            }
        }
        int[] slots = new int[count];
        boolean[] retains = new boolean[count];
        for (int i = 0; i < count; i++) {
            slots[i] = i;
            retains[i] = graph.rule().retains(holder[i], edge[i]);
        }
        int[] h = holder;
        int[] ed = edge;
        int[] ranked = Ranking.best(slots, count, limit, (a, b) -> {
            if (retains[a] != retains[b]) {
                return retains[a];
            }
            int da = graph.distance(h[a]);
            int db = graph.distance(h[b]);
            if (da != db) {
                return da < db;
            }
            int ra = describer.edgeRank(ed[a]);
            int rb = describer.edgeRank(ed[b]);
            return ra != rb ? ra < rb : a < b;
        });
        List<Edge> shown = new ArrayList<>(ranked.length);
        for (int i : ranked) {
            int e = edge[i];
            shown.add(new Edge(s.edgeTypeName(e), describer.edgeName(e), retains[i], distance(holder[i]), ref(holder[i])));
        }
        return new Listing<>(count, shown);
    }

    /** The node, then its immediate dominator, and so on up to the root. */
    List<NodeRef> dominators(int node) {
        List<NodeRef> path = new ArrayList<>();
        for (int v = node; v != HeapGraph.NO_DOMINATOR; v = graph.dominator(v)) {
            path.add(ref(v));
        }
        return path;
    }

    /** What {@code node} immediately dominates, largest retained size first. */
    Listing<NodeRef> dominated(int node, int limit) {
        int[] children = session.dominatedIndex().children(node);
        return new Listing<>(children.length, refs(Ranking.best(children, children.length, limit, this::largerRetained)));
    }

    private boolean largerRetained(int a, int b) {
        long ra = graph.retainedSize(a);
        long rb = graph.retainedSize(b);
        return ra != rb ? ra > rb : a < b;
    }

    /** What {@link #find} found: the nodes shown, how many in all, and their total self size. */
    record Found(Listing<NodeRef> nodes, long selfBytes) {
    }

    /**
     * The nodes whose class (as the class summary names it: {@code Kb}, {@code (closure)}, …) or own name is
     * exactly {@code name}, largest retained size first.
     */
    Found find(String name, int limit) {
        boolean[] nameMatches = stringsEqualTo(name);
        boolean[] typeMatches = new boolean[s.meta().nodeTypes().size()];
        boolean[] typeSeen = new boolean[typeMatches.length];
        int[] found = new int[16];
        int count = 0;
        long selfBytes = 0;
        for (int v = 0, n = s.nodeCount(); v < n; v++) {
            if ((v & (CHECK_EVERY - 1)) == 0) {
                session.checkCancelled();
            }
            int type = s.nodeType(v);
            boolean match = nameMatches[s.nodeNameIndex(v)];
            if (!match && !describer.classKeyIsName(v)) {
                if (!typeSeen[type]) { // a class key that is not a name depends on the type alone
                    typeSeen[type] = true;
                    typeMatches[type] = describer.classKey(v).equals(name);
                }
                match = typeMatches[type];
            }
            if (match) {
                if (count == found.length) {
                    found = Arrays.copyOf(found, count * 2);
                }
                found[count++] = v;
                selfBytes += s.selfSize(v);
            }
        }
        return new Found(new Listing<>(count, refs(Ranking.best(found, count, limit, this::largerRetained))), selfBytes);
    }

    /** Which string indexes hold exactly {@code text}; only strings of its byte length are decoded. */
    private boolean[] stringsEqualTo(String text) {
        StringTable strings = s.strings();
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        boolean[] equal = new boolean[strings.size()];
        for (int i = 0; i < equal.length; i++) {
            equal[i] = strings.byteLength(i) == bytes && strings.get(i).equals(text);
        }
        return equal;
    }

    /** What {@link #strings} found, and how many strings the table holds. */
    record Strings(Listing<StringMatch> matches, int stringCount) {
    }

    /**
     * The strings of the table in which {@code regex} finds a match: the first {@code limit} (all when
     * {@code limit <= 0}) in table order, each with the first node it names, and how many match in all.
     */
    Strings strings(Pattern regex, int limit) {
        StringTable table = s.strings();
        int[] shown = new int[Math.max(0, limit)];
        int shownCount = 0;
        int total = 0;
        Matcher m = regex.matcher("");
        for (int i = 0, n = table.size(); i < n; i++) {
            if ((i & (CHECK_EVERY - 1)) == 0) {
                session.checkCancelled();
            }
            if (m.reset(table.get(i)).find()) {
                total++;
                if (limit <= 0 || shownCount < limit) {
                    if (shownCount == shown.length) {
                        shown = Arrays.copyOf(shown, Math.max(16, shownCount * 2));
                    }
                    shown[shownCount++] = i;
                }
            }
        }
        int[] firstNode = firstNodeNamed(Arrays.copyOf(shown, shownCount));
        List<StringMatch> matches = new ArrayList<>(shownCount);
        for (int k = 0; k < shownCount; k++) {
            int i = shown[k];
            matches.add(new StringMatch(i, table.byteLength(i), Describer.escape(table.preview(i, STRING_PREVIEW_BYTES)),
                    firstNode[k] < 0 ? null : ref(firstNode[k])));
        }
        return new Strings(new Listing<>(total, matches), table.size());
    }

    /** For each of the ascending string indexes, the lowest ordinal of a node with that name, or -1. */
    private int[] firstNodeNamed(int[] stringIndexes) {
        int[] first = new int[stringIndexes.length];
        Arrays.fill(first, -1);
        int left = stringIndexes.length;
        for (int v = 0, n = s.nodeCount(); v < n && left > 0; v++) {
            int k = Arrays.binarySearch(stringIndexes, s.nodeNameIndex(v));
            if (k >= 0 && first[k] < 0) {
                first[k] = v;
                left--;
            }
        }
        return first;
    }

    private List<NodeRef> refs(int[] nodes) {
        List<NodeRef> out = new ArrayList<>(nodes.length);
        for (int v : nodes) {
            out.add(ref(v));
        }
        return out;
    }
}
