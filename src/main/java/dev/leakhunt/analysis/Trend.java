package dev.leakhunt.analysis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The verdict of a watch: a least-squares line per series, which series grow, and what kind of growth that is.
 *
 * <p>A series <b>grows</b> when its line rises by at least the material amount over the watch
 * ({@value #MIN_GROWTH_BYTES} bytes, or {@value #MIN_GROWTH_SHARE} of the mean RSS if more), the slope is at least
 * {@value #MIN_T_STATISTIC} standard errors above zero, the line explains at least {@value #MIN_R2} of the variance,
 * and (from {@value #MIN_HALF_SAMPLES} samples on) the later half of the watch still rises at a third of the whole
 * watch's rate or more. The first rule ignores what is small beside the process; the second and third the noise (a
 * garbage-collected heap saws up and down, and a saw's rising edge alone would look like a trend); the last a
 * process warming up, whose heap expands early and then levels off.
 *
 * <p>The <b>kind</b>: RSS is the V8 heap (heapTotal) + external memory + the rest ({@link TrendSeries#OUTSIDE_V8}).
 * external (or arrayBuffers) growing is a native leak; heapUsed a JS-heap leak (heapTotal alone growing is V8 sizing
 * its heap to the allocation rate, as it does while a process warms up); when both grow, the faster names the kind. Growth outside V8 names it only when nothing in V8 grows or it is more than
 * {@value #OUTSIDE_V8_DOMINANCE} times as fast: V8's own bookkeeping outside the heap grows along with a growing heap.
 * RSS that grows while no part does clearly is put down to the part whose slope adds most to RSS's, with low
 * confidence; when that part is heapTotal (heapUsed flat), the verdict is stable: V8 sized its heap to the load.
 * Without the V8 figures, RSS growth is only {@code growing}.
 */
public final class Trend {
    /** Fewer samples than this give no verdict. */
    public static final int MIN_SAMPLES = 3;
    static final long MIN_GROWTH_BYTES = 1L << 20;
    static final double MIN_GROWTH_SHARE = 0.02;
    static final double MIN_T_STATISTIC = 3;
    static final double MIN_R2 = 0.5;
    static final int MIN_HALF_SAMPLES = 8;
    static final double MIN_LATER_HALF_SHARE = 1.0 / 3;
    static final double OUTSIDE_V8_DOMINANCE = 2;
    /** Confidence needs this many samples for high, and the deciding line this R². */
    static final int HIGH_SAMPLES = 20;
    static final double HIGH_R2 = 0.9;
    static final int MEDIUM_SAMPLES = 10;
    static final double MEDIUM_R2 = 0.7;

    private static final double MILLIS_PER_HOUR = 3_600_000.0;

    private Trend() {
    }

    /** Judges the samples of one watch, in the order taken. */
    public static TrendVerdict judge(List<TrendSample> samples) {
        int n = samples.size();
        long spanMillis = n == 0 ? 0 : samples.get(n - 1).elapsedMillis() - samples.get(0).elapsedMillis();
        boolean v8 = n > 0 && samples.stream().allMatch(TrendSample::hasV8);
        Map<String, Number> metrics = lastValues(samples, v8);
        if (n < MIN_SAMPLES || spanMillis <= 0) {
            return new TrendVerdict(TrendVerdict.Kind.UNKNOWN, TrendVerdict.Confidence.NONE, null, false, n,
                    spanMillis, 0, Map.of(), Set.of(), metrics);
        }
        Map<TrendSeries, TrendFit> fits = fits(samples, v8);
        double spanHours = spanMillis / MILLIS_PER_HOUR;
        double material = Math.max(MIN_GROWTH_BYTES, MIN_GROWTH_SHARE * fits.get(TrendSeries.RSS).mean());
        Map<TrendSeries, TrendFit> laterHalf = n >= MIN_HALF_SAMPLES ? fits(samples.subList(n / 2, n), v8) : Map.of();
        Set<TrendSeries> growing = EnumSet.noneOf(TrendSeries.class);
        for (Map.Entry<TrendSeries, TrendFit> e : fits.entrySet()) {
            if (grows(e.getValue(), laterHalf.get(e.getKey()), spanHours, material)) {
                growing.add(e.getKey());
            }
        }
        TrendSeries basis = basis(fits, growing, v8);
        boolean inferred = v8 && basis == null && growing.contains(TrendSeries.RSS);
        if (inferred) {
            TrendSeries part = faster(fits, faster(fits, TrendSeries.HEAP_TOTAL, TrendSeries.EXTERNAL),
                    TrendSeries.OUTSIDE_V8);
            basis = part == TrendSeries.HEAP_TOTAL ? null : part; // V8 sizing its heap to the load keeps nothing
        }
        TrendVerdict.Kind kind = kind(basis, v8);
        TrendVerdict.Confidence confidence = inferred ? TrendVerdict.Confidence.LOW
                : basis == null ? stableConfidence(fits, n, spanHours, material) : growthConfidence(fits.get(basis), n);
        Map<String, Number> all = new LinkedHashMap<>();
        for (Map.Entry<TrendSeries, TrendFit> e : fits.entrySet()) {
            all.put(e.getKey().metricName() + "-slope", e.getValue().slopePerHour());
        }
        all.putAll(metrics);
        return new TrendVerdict(kind, confidence, basis, inferred, n, spanMillis, material,
                Collections.unmodifiableMap(fits),
                Collections.unmodifiableSet(growing), Collections.unmodifiableMap(all));
    }

    /** The names of the figures {@link TrendVerdict#metrics()} has, with the inspector or without. */
    public static List<String> metricNames(boolean v8) {
        List<String> names = new ArrayList<>();
        for (TrendSeries s : TrendSeries.values()) {
            if (v8 || !s.needsInspector()) {
                names.add(s.metricName() + "-slope");
            }
        }
        names.addAll(lastValueNames(v8));
        names.add("samples");
        return names;
    }

    /** The figures of one sample that {@code --snapshot-when} may test (and {@code rss-growth-bytes}). */
    public static List<String> lastValueNames(boolean v8) {
        List<String> names = new ArrayList<>(List.of("rss-bytes", "peak-rss-bytes", "rss-growth-bytes"));
        if (v8) {
            names.addAll(List.of("heap-total-bytes", "heap-used-bytes", "external-bytes", "array-buffers-bytes"));
        }
        return names;
    }

    /**
     * The figures of the latest sample: its values, the peak RSS, and RSS growth since the first; what
     * {@code --snapshot-when} tests after each sample.
     */
    public static Map<String, Number> lastValues(List<TrendSample> samples, boolean v8) {
        Map<String, Number> m = new LinkedHashMap<>();
        if (samples.isEmpty()) {
            return m;
        }
        TrendSample first = samples.get(0);
        TrendSample last = samples.get(samples.size() - 1);
        long peak = 0;
        for (TrendSample s : samples) {
            peak = Math.max(peak, Math.max(s.peakRssBytes(), s.rssBytes()));
        }
        m.put("rss-bytes", last.rssBytes());
        m.put("peak-rss-bytes", peak);
        m.put("rss-growth-bytes", last.rssBytes() - first.rssBytes());
        if (v8 && last.hasV8()) {
            m.put("heap-total-bytes", last.heapTotalBytes());
            m.put("heap-used-bytes", last.heapUsedBytes());
            m.put("external-bytes", last.externalBytes());
            m.put("array-buffers-bytes", last.arrayBuffersBytes());
        }
        m.put("samples", (long) samples.size());
        return m;
    }

    private static Map<TrendSeries, TrendFit> fits(List<TrendSample> samples, boolean v8) {
        int n = samples.size();
        long t0 = samples.get(0).elapsedMillis();
        double[] hours = new double[n];
        for (int i = 0; i < n; i++) {
            hours[i] = (samples.get(i).elapsedMillis() - t0) / MILLIS_PER_HOUR;
        }
        Map<TrendSeries, TrendFit> fits = new EnumMap<>(TrendSeries.class);
        double[] values = new double[n];
        for (TrendSeries series : TrendSeries.values()) {
            if (series.needsInspector() && !v8) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                values[i] = series.value(samples.get(i));
            }
            fits.put(series, TrendFit.of(hours, values));
        }
        return fits;
    }

    /** The growth rule of the class comment; {@code laterHalf} is null below {@value #MIN_HALF_SAMPLES} samples. */
    static boolean grows(TrendFit fit, TrendFit laterHalf, double spanHours, double materialBytes) {
        return fit.slopePerHour() > 0 && fit.change(spanHours) >= materialBytes
                && fit.tStatistic() >= MIN_T_STATISTIC && fit.r2() >= MIN_R2
                && (laterHalf == null || laterHalf.slopePerHour() >= MIN_LATER_HALF_SHARE * fit.slopePerHour());
    }

    /**
     * The series the kind rests on: the faster of external and heapUsed when either grows, unless growth outside
     * V8 dominates; without the V8 figures, RSS when it grows; else null.
     */
    private static TrendSeries basis(Map<TrendSeries, TrendFit> fits, Set<TrendSeries> growing, boolean v8) {
        if (!v8) {
            return growing.contains(TrendSeries.RSS) ? TrendSeries.RSS : null;
        }
        TrendSeries v8Part = faster(fits, pick(growing, TrendSeries.EXTERNAL, TrendSeries.ARRAY_BUFFERS),
                growing.contains(TrendSeries.HEAP_USED) ? TrendSeries.HEAP_USED : null);
        if (growing.contains(TrendSeries.OUTSIDE_V8) && (v8Part == null || fits.get(TrendSeries.OUTSIDE_V8)
                .slopePerHour() > OUTSIDE_V8_DOMINANCE * fits.get(v8Part).slopePerHour())) {
            return TrendSeries.OUTSIDE_V8;
        }
        return v8Part;
    }

    private static TrendSeries faster(Map<TrendSeries, TrendFit> fits, TrendSeries a, TrendSeries b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return fits.get(b).slopePerHour() > fits.get(a).slopePerHour() ? b : a;
    }

    private static TrendSeries pick(Set<TrendSeries> growing, TrendSeries first, TrendSeries second) {
        return growing.contains(first) ? first : growing.contains(second) ? second : null;
    }

    private static TrendVerdict.Kind kind(TrendSeries basis, boolean v8) {
        if (basis == null) {
            return TrendVerdict.Kind.STABLE;
        }
        return switch (basis) {
            case EXTERNAL, ARRAY_BUFFERS -> TrendVerdict.Kind.NATIVE;
            case HEAP_USED, HEAP_TOTAL -> TrendVerdict.Kind.JS_HEAP;
            case OUTSIDE_V8 -> TrendVerdict.Kind.OUTSIDE_V8;
            case RSS -> TrendVerdict.Kind.GROWING;
        };
    }

    private static TrendVerdict.Confidence growthConfidence(TrendFit basis, int n) {
        if (n >= HIGH_SAMPLES && basis.r2() >= HIGH_R2) {
            return TrendVerdict.Confidence.HIGH;
        }
        if (n >= MEDIUM_SAMPLES && basis.r2() >= MEDIUM_R2) {
            return TrendVerdict.Confidence.MEDIUM;
        }
        return TrendVerdict.Confidence.LOW;
    }

    /**
     * Stable is sure when no series could have risen by the material amount: even its slope plus two standard
     * errors (about a 95% bound) stays below it.
     */
    private static TrendVerdict.Confidence stableConfidence(Map<TrendSeries, TrendFit> fits, int n, double spanHours,
                                                            double materialBytes) {
        for (TrendFit fit : fits.values()) {
            double bound = fit.slopePerHour() + 2 * fit.slopeStdErrPerHour();
            if (bound * spanHours >= materialBytes) {
                return TrendVerdict.Confidence.LOW;
            }
        }
        return n >= HIGH_SAMPLES ? TrendVerdict.Confidence.HIGH
                : n >= MEDIUM_SAMPLES ? TrendVerdict.Confidence.MEDIUM : TrendVerdict.Confidence.LOW;
    }
}
