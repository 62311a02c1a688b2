package dev.leakhunt.analysis;

/** A count of nodes and the sum of their self sizes. */
public record DiffTotals(long count, long bytes) {
    public static final DiffTotals ZERO = new DiffTotals(0, 0);

    public DiffTotals plus(DiffTotals o) {
        return new DiffTotals(count + o.count, bytes + o.bytes);
    }

    public DiffTotals minus(DiffTotals o) {
        return new DiffTotals(count - o.count, bytes - o.bytes);
    }

    public boolean isZero() {
        return count == 0 && bytes == 0;
    }
}
