package dev.leakhunt.analysis;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What one {@code process.memoryUsage()} suggests, from its proportions alone: one sample shows where the
 * memory is, not whether it grows. {@code external} includes {@code arrayBuffers}. Read it after a garbage
 * collection (a heap snapshot makes one): before, uncollected garbage passes for a leak.
 */
public enum Triage {
    /** external is larger than the whole JS heap, and not small. */
    NATIVE("native"),
    /** The JS heap is not small, holds more than external does, and is full or most of rss. */
    JS_HEAP("js-heap"),
    /** Most of rss is neither the JS heap nor external memory. */
    OUTSIDE_V8("outside-v8"),
    NONE("none");

    static final long NATIVE_MIN_BYTES = 16L << 20;
    static final double FULL_HEAP = 0.85;
    static final long JS_HEAP_MIN_BYTES = 32L << 20;
    static final long OUTSIDE_MIN_BYTES = 256L << 20;

    /** A gap between arrayBuffers and the snapshot's backing stores that is worth a word. */
    static final long GAP_MIN_BYTES = 16L << 20;

    /** The five figures of {@code process.memoryUsage()}, in bytes. */
    public record Figures(long rss, long heapTotal, long heapUsed, long external, long arrayBuffers) {
    }

    private final String id;

    Triage(String id) {
        this.id = id;
    }

    /** The name in JSON: {@code native}, {@code js-heap}, {@code outside-v8}, {@code none}. */
    public String id() {
        return id;
    }

    public static Triage of(Figures u) {
        long outside = u.rss() - u.heapTotal() - u.external();
        if (u.external() >= NATIVE_MIN_BYTES && u.external() > u.heapTotal()) {
            return NATIVE;
        }
        if (u.heapTotal() >= JS_HEAP_MIN_BYTES && u.heapTotal() >= u.external()
                && (u.heapUsed() >= FULL_HEAP * u.heapTotal() || u.heapTotal() >= u.rss() / 2)) {
            return JS_HEAP;
        }
        if (outside >= OUTSIDE_MIN_BYTES && outside > u.heapTotal() + u.external()) {
            return OUTSIDE_V8;
        }
        return NONE;
    }

    /**
     * What to print, a sentence a line: where the memory is, what that would mean if it grows, where to look.
     * {@code noAnalyzeFile} is the file when no analysis follows to point at.
     */
    public List<String> lines(Figures u, Path noAnalyzeFile) {
        long heapPercent = Math.round(100.0 * u.heapUsed() / Math.max(1, u.heapTotal()));
        String sample = "One sample cannot show growth ('leakhunt diff' compares two snapshots)";
        String analyze = noAnalyzeFile == null ? null : "'leakhunt analyze " + noAnalyzeFile + "'";
        return switch (this) {
            case NATIVE -> List.of(String.format(Locale.ROOT, "Triage: external memory (%s, ArrayBuffers %s) is "
                            + "%.1f× the JS heap (heapTotal %s):", Units.bytes(u.external()),
                            Units.bytes(u.arrayBuffers()), (double) u.external() / Math.max(1, u.heapTotal()),
                            Units.bytes(u.heapTotal())),
                    "if it grows while heapTotal stays flat, a native leak, which --max-old-space-size cannot "
                            + "help.",
                    sample + "; " + (analyze == null ? "the ArrayBuffer groups below show" : analyze + " shows")
                            + " what holds it.");
            case JS_HEAP -> List.of("Triage: the memory is in the JS heap (heapTotal " + Units.bytes(u.heapTotal())
                            + ", " + heapPercent + "% used, of rss " + Units.bytes(u.rss()) + "; external only "
                            + Units.bytes(u.external()) + "):",
                    "if heapUsed keeps growing, a JS-heap leak; --max-old-space-size only postpones the crash.",
                    sample + "; " + (analyze == null ? "the classes below show" : analyze + " shows")
                            + " what retains it.");
            case OUTSIDE_V8 -> List.of("Triage: " + Units.bytes(u.rss() - u.heapTotal() - u.external())
                            + " of rss is neither the JS heap nor external memory:",
                    "native allocations (addons, malloc, thread stacks) that a heap snapshot does not show.");
            case NONE -> List.of("Triage: no part stands out: JS heap " + Units.bytes(u.heapTotal()) + " ("
                    + heapPercent + "% used), external " + Units.bytes(u.external()) + ", rss "
                    + Units.bytes(u.rss()) + ".", sample + ".");
        };
    }

    /**
     * What the process's figures and its snapshot say together, or null when they agree: {@code arrayBuffers}
     * counts the buffers of every isolate of the process, a snapshot only its main one's, so buffers far beyond the
     * snapshot's backing stores belong to worker threads (often ones never terminated).
     */
    public static String gap(Figures u, long snapshotBackingStoreBytes) {
        long beyond = u.arrayBuffers() - snapshotBackingStoreBytes;
        if (beyond < GAP_MIN_BYTES || beyond < snapshotBackingStoreBytes) {
            return null;
        }
        return "Triage: arrayBuffers is " + Units.bytes(u.arrayBuffers()) + ", but the snapshot's backing stores hold "
                + Units.bytes(snapshotBackingStoreBytes) + ": the other " + Units.bytes(beyond) + " belong to other "
                + "isolates of the process, its worker threads (a Worker that is never terminated keeps its own); a "
                + "heap snapshot shows the main thread only.";
    }
}
