package dev.leakhunt.snapshot;

import java.util.Arrays;

/** A growable list of longs, for the few places whose count is not known before they fill: no boxing. */
public final class LongList {
    private long[] values = new long[256];
    private int size;

    public void add(long v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    public void addAll(LongList other) {
        for (int i = 0; i < other.size; i++) {
            add(other.values[i]);
        }
    }

    public long get(int i) {
        return values[i];
    }

    public int size() {
        return size;
    }

    public long[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
