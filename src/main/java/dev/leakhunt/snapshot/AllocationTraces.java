package dev.leakhunt.snapshot;

/**
 * The allocation stacks of a snapshot taken while V8 tracked allocations: the functions
 * ({@code trace_function_infos}) and the tree of call stacks they allocated from ({@code trace_tree}), in which each
 * node is one function called from its parent. A heap node's trace node id ({@link HeapSnapshot#traceNode}) names
 * the stack that allocated it. Flat arrays: tree node {@code i} has function {@link #function} and parent
 * {@link #parent} (-1 at the root); strings are indexes into the snapshot's string table.
 */
public final class AllocationTraces {
    public static final AllocationTraces NONE = new AllocationTraces(new int[0], new int[0], new int[0], new int[0], 0,
            new int[0], new int[0], 0, new int[0]);

    private final int[] functionName;
    private final int[] functionScript;
    private final int[] functionLine;
    private final int[] functionColumn;
    private final int functions;
    private final int[] function;
    private final int[] parent;
    private final int size;
    private final int[] indexOfId;

    AllocationTraces(int[] functionName, int[] functionScript, int[] functionLine, int[] functionColumn, int functions,
                     int[] function, int[] parent, int size, int[] indexOfId) {
        this.functionName = functionName;
        this.functionScript = functionScript;
        this.functionLine = functionLine;
        this.functionColumn = functionColumn;
        this.functions = functions;
        this.function = function;
        this.parent = parent;
        this.size = size;
        this.indexOfId = indexOfId;
    }

    /** Whether the snapshot holds allocation stacks. */
    public boolean present() {
        return size > 0;
    }

    /** Tree nodes. */
    public int size() {
        return size;
    }

    /** The tree node of trace node id {@code id}, or -1 (0, the id of an object allocated untracked, has none). */
    public int nodeOf(int id) {
        return id > 0 && id < indexOfId.length ? indexOfId[id] : -1;
    }

    /** The parent of tree node {@code i} (its caller), or -1 at the root. */
    public int parent(int i) {
        return parent[i];
    }

    /** The function of tree node {@code i}: an index for the {@code function…} accessors. */
    public int function(int i) {
        return function[i];
    }

    public int functions() {
        return functions;
    }

    /** The function's name, a string index (empty: anonymous, or the root). */
    public int functionName(int f) {
        return functionName[f];
    }

    /** The function's script name, a string index (empty: built into the engine). */
    public int functionScript(int f) {
        return functionScript[f];
    }

    /** 1-based, as V8 writes it here; 0 when not known. */
    public int functionLine(int f) {
        return functionLine[f];
    }

    /** 1-based, as V8 writes it here; 0 when not known. */
    public int functionColumn(int f) {
        return functionColumn[f];
    }
}
