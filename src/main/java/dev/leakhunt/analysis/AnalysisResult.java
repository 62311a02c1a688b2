package dev.leakhunt.analysis;

import java.util.List;
import java.util.Map;

/**
 * Everything {@code analyze} reports about one snapshot. {@code metrics} are the named figures that
 * {@code --fail-if} tests and JSON carries, in bytes or counts.
 */
public record AnalysisResult(String file, long nodeCount, long edgeCount, Totals totals, List<BufferGroup> groups,
                             List<Suspect> suspects, List<ClassRow> classes, String verdict,
                             Map<String, Long> metrics) {

    /**
     * Totals: {@code nativeBytes} is the sum of all ArrayBuffer backing stores; {@code extraNativeBytes} what V8
     * reports beside the graph (0 when the producer does not say).
     */
    public record Totals(long selfBytes, long nativeBytes, long backingStores, long extraNativeBytes,
                         long unreachableNodes, long unreachableBytes) {
    }
}
