package dev.leakhunt.analysis;

/**
 * One sample of a watched process, in bytes: {@code VmRSS} and {@code VmHWM} from {@code /proc/<pid>/status}, and
 * the four V8 figures of {@code process.memoryUsage()}, which are {@link #UNKNOWN} when sampled without the
 * inspector. {@code external} includes {@code arrayBuffers}.
 *
 * @param elapsedMillis  since the first sample of the watch
 * @param peakRssBytes   {@code VmHWM}, the highest RSS the process ever had
 */
public record TrendSample(long elapsedMillis, long rssBytes, long peakRssBytes, long heapTotalBytes,
                          long heapUsedBytes, long externalBytes, long arrayBuffersBytes) {
    public static final long UNKNOWN = -1;

    /** A sample of {@code /proc} alone. */
    public static TrendSample rssOnly(long elapsedMillis, long rssBytes, long peakRssBytes) {
        return new TrendSample(elapsedMillis, rssBytes, peakRssBytes, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);
    }

    /** Whether the V8 figures are known (the sample came through the inspector). */
    public boolean hasV8() {
        return heapTotalBytes != UNKNOWN;
    }
}
