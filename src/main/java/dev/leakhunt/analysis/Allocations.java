package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.AllocationTraces;
import dev.leakhunt.snapshot.HeapSnapshot;
import dev.leakhunt.snapshot.StringTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the members of a group were allocated, from a snapshot taken while V8 tracked allocations: each member's
 * trace node names the stack that allocated it; members with one stack are counted together. Native memory (a
 * backing store) is allocated untracked, but the object that owns it is not: a member without a stack takes that of
 * the object that owns it (see {@link #owner}). A stack on an object that is older than the tracking (its id at or
 * below the id V8 had assigned when tracking began) belongs to another object that lay at its address: V8's
 * young-generation collections move objects without always telling its tracker, so such a stack is not taken.
 */
public final class Allocations {
    /** Stacks kept per group, most members first. */
    public static final int STACKS = 3;
    /** Frames kept per stack. */
    public static final int FRAMES = 16;
    static final int OWNER_STEPS = 3;

    private final HeapGraph graph;
    private final HeapSnapshot s;
    private final AllocationTraces traces;
    private final StringTable strings;
    private final int nativeType;

    public Allocations(HeapGraph graph) {
        this.graph = graph;
        this.s = graph.snapshot();
        this.traces = s.traces();
        this.strings = s.strings();
        this.nativeType = s.meta().nodeType("native");
    }

    /** Whether the snapshot holds allocation stacks at all. */
    public boolean present() {
        return traces.present();
    }

    /** Where the first {@code count} of {@code members} were allocated; null without traces. */
    public Allocated of(int[] members, int count) {
        if (!traces.present()) {
            return null;
        }
        long trackedFrom = s.trackedFromId();
        Map<Integer, long[]> byStack = new HashMap<>();
        long whileTracked = 0;
        long known = 0;
        for (int i = 0; i < count; i++) {
            int owner = owner(members[i]);
            if (owner < 0) {
                continue;
            }
            boolean tracked = trackedFrom < 0 || s.nodeIdLong(owner) > trackedFrom;
            whileTracked += tracked ? 1 : 0;
            int stack = traces.nodeOf(s.traceNode(owner));
            if (stack >= 0 && tracked) { // a stack on an object older than the tracking is another's: not taken
                byStack.computeIfAbsent(stack, k -> new long[1])[0]++;
                known++;
            }
        }
        List<Map.Entry<Integer, long[]>> ranked = new ArrayList<>(byStack.entrySet());
        ranked.sort((a, b) -> a.getValue()[0] != b.getValue()[0] ? Long.compare(b.getValue()[0], a.getValue()[0])
                : Integer.compare(a.getKey(), b.getKey()));
        List<AllocationStack> stacks = new ArrayList<>();
        for (Map.Entry<Integer, long[]> e : ranked.subList(0, Math.min(STACKS, ranked.size()))) {
            stacks.add(new AllocationStack(e.getValue()[0], frames(e.getKey())));
        }
        return new Allocated(stacks, count, trackedFrom < 0 ? -1 : whileTracked, known);
    }

    /**
     * The object whose allocation V8 tracked for {@code node}: itself, or for native memory (allocated untracked)
     * the nearest dominator that is not native, within {@link #OWNER_STEPS} steps; -1 when there is none.
     */
    private int owner(int node) {
        int v = node;
        for (int step = 0; step <= OWNER_STEPS && v >= 0; step++) {
            if (s.nodeType(v) != nativeType) {
                return v;
            }
            int up = graph.dominator(v);
            v = up == v || up == graph.root() ? -1 : up;
        }
        return -1;
    }

    private List<AllocationStack.Frame> frames(int tree) {
        List<AllocationStack.Frame> frames = new ArrayList<>();
        for (int t = tree; t >= 0 && traces.parent(t) >= 0 && frames.size() < FRAMES; t = traces.parent(t)) {
            int f = traces.function(t);
            String function = strings.get(traces.functionName(f));
            String script = strings.get(traces.functionScript(f));
            int line = traces.functionLine(f);
            int column = traces.functionColumn(f);
            String name = function.isEmpty() ? "(anonymous)" : function;
            String shown = script.isEmpty() ? name
                    : name + " (" + Describer.shown(script) + (line > 0 ? ":" + line + (column > 0 ? ":" + column : "") : "") + ")";
            frames.add(new AllocationStack.Frame(function, script, line, column, shown));
        }
        return frames;
    }
}
