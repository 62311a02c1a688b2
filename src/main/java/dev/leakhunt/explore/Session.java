package dev.leakhunt.explore;

import dev.leakhunt.analysis.Analysis;
import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.analysis.BufferGroup;
import dev.leakhunt.analysis.BufferGroups;
import dev.leakhunt.analysis.ClassSummary;
import dev.leakhunt.analysis.Describer;
import dev.leakhunt.analysis.RetainerChains;
import dev.leakhunt.analysis.Diff;
import dev.leakhunt.analysis.DiffBaseline;
import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.SnapshotReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One loaded snapshot and what the shell knows of it: the analysis, computed once when the shell opens (the same
 * {@link Analysis} as {@code analyze}), and the indexes only some questions need, built the first time they are
 * asked. Also the small state of the conversation: ids already shown (for completion) and a cancel flag that
 * Ctrl-C raises while a command runs.
 */
public final class Session {
    static final int TOP_GROUPS = 10;
    static final int TOP_CLASSES = 20;

    private final HeapGraph graph;
    private final Describer describer;
    private final ClassSummary classSummary;
    private final AnalysisResult analysis;
    private final RetainerChains chains;
    private final ShownIds shownIds = new ShownIds();
    private NodeIndex nodeIndex;
    private DominatedIndex dominatedIndex;
    private List<BufferGroup> moreGroups;
    private int moreGroupsAsked;
    private volatile boolean cancelRequested;

    /** Loads another snapshot (for {@code diff}); the CLI's checks and progress, or a plain read in tests. */
    public interface Loader {
        HeapGraph load(Path file) throws IOException;
    }

    private final Loader loader;
    private DiffBaseline baseline;

    private Session(HeapGraph graph, Loader loader) {
        this.graph = graph;
        this.loader = loader;
        this.describer = new Describer(graph);
        this.classSummary = ClassSummary.compute(describer);
        this.analysis = Analysis.analyze(describer, classSummary, TOP_GROUPS, TOP_CLASSES);
        this.chains = new RetainerChains(describer);
    }

    /** Analyzes {@code graph}; the shell then answers from what this holds. */
    public static Session open(HeapGraph graph, Loader loader) {
        return new Session(graph, loader);
    }

    /** The same, reading other snapshots without the CLI's checks. */
    public static Session open(HeapGraph graph) {
        return new Session(graph, file -> HeapGraph.build(new SnapshotReader(file).read()));
    }

    HeapGraph load(Path file) throws IOException {
        return loader.load(file);
    }

    /** This snapshot as the first of a diff, kept once computed. */
    DiffBaseline baseline() {
        if (baseline == null) {
            baseline = Diff.baseline(graph);
        }
        return baseline;
    }

    public AnalysisResult analysis() {
        return analysis;
    }

    HeapGraph graph() {
        return graph;
    }

    Describer describer() {
        return describer;
    }

    ClassSummary classSummary() {
        return classSummary;
    }

    RetainerChains chains() {
        return chains;
    }

    ShownIds shownIds() {
        return shownIds;
    }

    /**
     * The {@code top} largest buffer groups: the analysis' own when it holds enough (it stops at {@link #TOP_GROUPS});
     * beyond that grouped again, and kept for the largest {@code top} asked so far.
     */
    List<BufferGroup> groups(int top) {
        List<BufferGroup> known = analysis.groups();
        if (top > known.size() && known.size() == TOP_GROUPS) {
            if (moreGroupsAsked < top) {
                moreGroups = BufferGroups.group(describer, BufferGroups.backingStores(graph.snapshot()), top);
                moreGroupsAsked = top;
            }
            known = moreGroups;
        }
        return known.subList(0, Math.min(top, known.size()));
    }

    /** The ordinal of the node with V8 id {@code id}; throws {@link UnknownNodeException} when there is none. */
    int ordinal(long id) {
        if (nodeIndex == null) {
            nodeIndex = new NodeIndex(graph.snapshot());
        }
        int ordinal = nodeIndex.ordinal(id);
        if (ordinal == NodeIndex.NOT_FOUND) {
            throw new UnknownNodeException(id);
        }
        return ordinal;
    }

    DominatedIndex dominatedIndex() {
        if (dominatedIndex == null) {
            dominatedIndex = new DominatedIndex(graph);
        }
        return dominatedIndex;
    }

    /** Asks the running command to stop at its next check (Ctrl-C while it runs). */
    void requestCancel() {
        cancelRequested = true;
    }

    void clearCancel() {
        cancelRequested = false;
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    /** Called from long scans: stops the command when Ctrl-C was pressed. */
    void checkCancelled() {
        if (cancelRequested) {
            throw new CancelledException();
        }
    }

    /** A command stopped by Ctrl-C. */
    static final class CancelledException extends RuntimeException {
        CancelledException() {
            super("cancelled", null, false, false);
        }
    }
}
