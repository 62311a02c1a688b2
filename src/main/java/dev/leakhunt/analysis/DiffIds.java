package dev.leakhunt.analysis;

import java.util.Arrays;

/**
 * A set of node ids, as one sorted {@code int[]}. Ids are unsigned 32-bit: each is stored with its sign bit
 * flipped ({@code id ^ Integer.MIN_VALUE}), which makes signed order the unsigned order, so that
 * {@link Arrays#sort} and {@link Arrays#binarySearch} work on the plain array. 4 bytes an id, nothing boxed.
 */
public final class DiffIds {
    private final int[] flipped;

    private DiffIds(int[] flipped) {
        this.flipped = flipped;
    }

    /** The set of {@code ids[0 … count - 1]}; the array is not kept. */
    public static DiffIds of(int[] ids, int count) {
        int[] keys = Arrays.copyOf(ids, count);
        for (int i = 0; i < count; i++) {
            keys[i] ^= Integer.MIN_VALUE;
        }
        Arrays.parallelSort(keys);
        return new DiffIds(keys);
    }

    public boolean contains(int id) {
        return Arrays.binarySearch(flipped, id ^ Integer.MIN_VALUE) >= 0;
    }

    public int size() {
        return flipped.length;
    }

    /** The largest id, unsigned; 0 when empty. */
    public long max() {
        return flipped.length == 0 ? 0 : Integer.toUnsignedLong(flipped[flipped.length - 1] ^ Integer.MIN_VALUE);
    }

    /** The bytes the set takes. */
    public long bytes() {
        return 4L * flipped.length;
    }
}
