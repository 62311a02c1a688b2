package dev.leakhunt.analysis;

import java.util.List;

/**
 * The series a watch fits a line to: the five figures people know from {@code process.memoryUsage()} and
 * {@code outsideV8}, what RSS holds beyond the V8 heap and external memory ({@code rss - heapTotal - external}).
 * Least-squares slopes are linear in the values, so the slope of {@code outsideV8} is exactly the slope of RSS less
 * those of heapTotal and external.
 */
public enum TrendSeries {
    RSS("rss", "rss"),
    HEAP_TOTAL("heapTotal", "heap-total"),
    HEAP_USED("heapUsed", "heap-used"),
    EXTERNAL("external", "external"),
    ARRAY_BUFFERS("arrayBuffers", "array-buffers"),
    OUTSIDE_V8("outsideV8", "outside-v8");

    /** The series drawn and printed, in the order of {@code process.memoryUsage()}. */
    public static final List<TrendSeries> MEMORY_USAGE = List.of(RSS, HEAP_TOTAL, HEAP_USED, EXTERNAL, ARRAY_BUFFERS);

    private final String label;
    private final String metricName;

    TrendSeries(String label, String metricName) {
        this.label = label;
        this.metricName = metricName;
    }

    /** The name people and JSON know: {@code heapUsed}. */
    public String label() {
        return label;
    }

    /** The stem of its {@code --fail-if} metrics: {@code heap-used} (in {@code heap-used-slope}). */
    public String metricName() {
        return metricName;
    }

    /** Whether only the inspector can tell this series (all but RSS). */
    public boolean needsInspector() {
        return this != RSS;
    }

    /** The value in a sample, in bytes; {@link TrendSample#UNKNOWN} when the sample lacks it. */
    public long value(TrendSample s) {
        if (this != RSS && !s.hasV8()) {
            return TrendSample.UNKNOWN;
        }
        return switch (this) {
            case RSS -> s.rssBytes();
            case HEAP_TOTAL -> s.heapTotalBytes();
            case HEAP_USED -> s.heapUsedBytes();
            case EXTERNAL -> s.externalBytes();
            case ARRAY_BUFFERS -> s.arrayBuffersBytes();
            case OUTSIDE_V8 -> s.rssBytes() - s.heapTotalBytes() - s.externalBytes();
        };
    }
}
