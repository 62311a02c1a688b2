package dev.leakhunt.snapshot;

import java.util.Arrays;

/**
 * The source positions a snapshot records ({@code locations}) of its closures, by node ordinal: the script's id and
 * the 0-based line and column. Sorted by node, so that a node's is found by binary search. Empty for snapshots without them (Node 18,
 * older Chromium).
 */
public final class Locations {
    public static final Locations NONE = new Locations(new int[0], new int[0], new int[0], new int[0], 0);

    private final int[] node;
    private final int[] script;
    private final int[] line;
    private final int[] column;
    private final int size;

    Locations(int[] node, int[] script, int[] line, int[] column, int size) {
        this.node = node;
        this.script = script;
        this.line = line;
        this.column = column;
        this.size = size;
        sortByNode();
    }

    /** V8 writes them in node order; a file that does not is sorted here, not refused. */
    private void sortByNode() {
        for (int i = 1; i < size; i++) {
            if (node[i] < node[i - 1]) {
                Integer[] order = new Integer[size];
                for (int k = 0; k < size; k++) {
                    order[k] = k;
                }
                Arrays.sort(order, (a, b) -> Integer.compare(node[a], node[b]));
                int[][] all = {node, script, line, column};
                for (int[] a : all) {
                    int[] copy = Arrays.copyOf(a, size);
                    for (int k = 0; k < size; k++) {
                        a[k] = copy[order[k]];
                    }
                }
                return;
            }
        }
    }

    public int size() {
        return size;
    }

    /** The index of {@code ordinal}'s location, or -1 when it has none. */
    public int find(int ordinal) {
        int i = Arrays.binarySearch(node, 0, size, ordinal);
        return i >= 0 ? i : -1;
    }

    public int node(int i) {
        return node[i];
    }

    public int script(int i) {
        return script[i];
    }

    /** 0-based, as V8 writes it. */
    public int line(int i) {
        return line[i];
    }

    /** 0-based, as V8 writes it. */
    public int column(int i) {
        return column[i];
    }
}
