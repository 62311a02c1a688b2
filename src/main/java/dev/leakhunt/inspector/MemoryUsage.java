package dev.leakhunt.inspector;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The five figures of Node's {@code process.memoryUsage()}, in bytes. {@code external} includes
 * {@code arrayBuffers}; native memory that leaks through ArrayBuffers shows in both while {@code heapUsed} stays
 * flat.
 */
public record MemoryUsage(long rss, long heapTotal, long heapUsed, long external, long arrayBuffers) {
    /** The figures {@code snapshot --fail-if} may test and JSON's metrics hold, in their order. */
    public static final List<String> METRICS = List.of("rss-bytes", "heap-used-bytes", "external-bytes",
            "array-buffers-bytes");

    /** The figures under {@link #METRICS}' names, in that order. */
    public Map<String, Long> metrics() {
        Map<String, Long> metrics = new LinkedHashMap<>();
        metrics.put("rss-bytes", rss);
        metrics.put("heap-used-bytes", heapUsed);
        metrics.put("external-bytes", external);
        metrics.put("array-buffers-bytes", arrayBuffers);
        return metrics;
    }
}
