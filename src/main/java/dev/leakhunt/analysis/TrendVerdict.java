package dev.leakhunt.analysis;

import java.util.Map;
import java.util.Set;

/**
 * What a watch concludes from its samples.
 *
 * @param kind              the kind of growth
 * @param confidence        how sure, from the sample count and how well the deciding line fits
 * @param basis             the series the kind rests on (null for {@link Kind#STABLE} and {@link Kind#UNKNOWN})
 * @param inferred          RSS grows but no part of it does clearly: the kind is that of the part whose slope adds
 *                          most to RSS's (stable when that is heapTotal), and the confidence low
 * @param samples           how many samples
 * @param spanMillis        from the first sample to the last
 * @param materialBytes     the least rise over the watch that counts as growth (see {@link Trend})
 * @param fits              a line per series the samples have (without the inspector: RSS only)
 * @param growing           the series that grow, by {@link Trend}'s rule
 * @param metrics           the named figures for {@code --fail-if} and JSON: slopes in bytes per hour
 *                          ({@code rss-slope}, …), last values ({@code rss-bytes}, …), {@code peak-rss-bytes},
 *                          {@code rss-growth-bytes} (last minus first) and {@code samples}
 */
public record TrendVerdict(Kind kind, Confidence confidence, TrendSeries basis, boolean inferred, int samples,
                           long spanMillis,
                           double materialBytes, Map<TrendSeries, TrendFit> fits, Set<TrendSeries> growing,
                           Map<String, Number> metrics) {

    public enum Kind {
        /** external / arrayBuffers grow: ArrayBuffers, Buffers, memory native code allocates for JS objects. */
        NATIVE("native"),
        /** The JS heap grows: objects kept alive. */
        JS_HEAP("js-heap"),
        /** RSS grows beyond the V8 heap and external memory: a native addon, the allocator, WebAssembly memory. */
        OUTSIDE_V8("outside-v8"),
        /** Nothing grows by more than the noise. */
        STABLE("stable"),
        /** RSS grows, but without the inspector there is nothing to tell where. */
        GROWING("growing"),
        /** Too few samples for a line. */
        UNKNOWN("unknown");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        /** The name in JSON: {@code native}, {@code js-heap}, … */
        public String id() {
            return id;
        }
    }

    public enum Confidence {
        HIGH, MEDIUM, LOW, NONE;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public boolean isLeak() {
        return kind == Kind.NATIVE || kind == Kind.JS_HEAP || kind == Kind.OUTSIDE_V8 || kind == Kind.GROWING;
    }

    /** The line through a series, or null if the samples do not have it. */
    public TrendFit fit(TrendSeries series) {
        return fits.get(series);
    }

    public boolean grows(TrendSeries series) {
        return growing.contains(series);
    }
}
