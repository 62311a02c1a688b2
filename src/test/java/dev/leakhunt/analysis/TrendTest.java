package dev.leakhunt.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * The trend math on synthetic series: least squares against hand-worked figures, then the verdict on series shaped
 * like the leaks it names (and like the noise it must not name).
 */
class TrendTest {
    private static final long MIB = 1 << 20;
    /** One sample a minute for an hour: 61 samples, so a slope of X per sample is 60 X per hour. */
    private static final int N = 61;
    private static final long STEP_MILLIS = 60_000;

    /**
     * Samples {@code i = 0 … n-1}, {@code STEP_MILLIS} apart. RSS is built as a process's is: the V8 heap (heapTotal)
     * + external + {@code outside} (code, stacks, the allocator's own, native addons).
     */
    private static List<TrendSample> samples(int n, IntToLongFunction heapTotal, IntToLongFunction heapUsed,
                                             IntToLongFunction external, IntToLongFunction arrayBuffers,
                                             IntToLongFunction outside) {
        List<TrendSample> samples = new ArrayList<>();
        long peak = 0;
        for (int i = 0; i < n; i++) {
            long rss = heapTotal.applyAsLong(i) + external.applyAsLong(i) + outside.applyAsLong(i);
            peak = Math.max(peak, rss);
            samples.add(new TrendSample(i * STEP_MILLIS, rss, peak, heapTotal.applyAsLong(i), heapUsed.applyAsLong(i),
                    external.applyAsLong(i), arrayBuffers.applyAsLong(i)));
        }
        return samples;
    }

    /** A garbage-collected heap: rises by {@code perSample} bytes, sawing up 2 MiB and down over 5 samples. */
    private static IntToLongFunction sawtooth(long base, long perSample) {
        return i -> base + i * perSample + (i % 5) * 512 * 1024;
    }

    /** Seeded noise of about ±{@code amplitude} bytes around {@code base}. */
    private static IntToLongFunction noisy(long base, long amplitude, long seed) {
        Random random = new Random(seed);
        long[] values = new long[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = base + Math.round((random.nextDouble() * 2 - 1) * amplitude);
        }
        return i -> values[i];
    }

    private static IntToLongFunction flat(long value) {
        return i -> value;
    }

    // ---- least squares ----------------------------------------------------------------------------------------

    @Test
    void fitsALineByHand() {
        // x̄ = 2, ȳ = 3, Sxx = 10, Sxy = 8, Syy = 10: slope 0.8, intercept 1.4, SSres = 10 - 0.8·8 = 3.6, R² 0.64,
        // standard error sqrt(3.6 / 3 / 10).
        TrendFit fit = TrendFit.of(new double[] {0, 1, 2, 3, 4}, new double[] {1, 3, 2, 5, 4});
        assertEquals(0.8, fit.slopePerHour(), 1e-12);
        assertEquals(1.4, fit.intercept(), 1e-12);
        assertEquals(0.64, fit.r2(), 1e-12);
        assertEquals(Math.sqrt(0.12), fit.slopeStdErrPerHour(), 1e-12);
        assertEquals(0.8 / Math.sqrt(0.12), fit.tStatistic(), 1e-9);
        assertEquals(1, fit.first());
        assertEquals(4, fit.last());
        assertEquals(3, fit.mean(), 1e-12);
        assertEquals(5, fit.max());
        assertEquals(1.6, fit.change(2), 1e-12);
    }

    @Test
    void aPerfectLineHasNoErrorAndAConstantNoSlope() {
        TrendFit line = TrendFit.of(new double[] {0, 0.5, 1}, new double[] {100, 150, 200});
        assertEquals(100, line.slopePerHour(), 1e-9);
        assertEquals(1, line.r2(), 1e-12);
        assertEquals(0, line.slopeStdErrPerHour(), 1e-9);
        assertEquals(Double.POSITIVE_INFINITY, line.tStatistic());

        TrendFit constant = TrendFit.of(new double[] {0, 1, 2, 3}, new double[] {7, 7, 7, 7});
        assertEquals(0, constant.slopePerHour());
        assertEquals(0, constant.r2());
        assertEquals(0, constant.tStatistic());
    }

    @Test
    void keepsPrecisionOnTerabyteValues() {
        double base = 5e12;
        TrendFit fit = TrendFit.of(new double[] {1000, 1001, 1002}, new double[] {base, base + 1024, base + 2048});
        assertEquals(1024, fit.slopePerHour(), 1e-3);
        assertEquals(1, fit.r2(), 1e-9);
    }

    @Test
    void refusesWhatIsNoLine() {
        assertThrows(IllegalArgumentException.class, () -> TrendFit.of(new double[] {1}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> TrendFit.of(new double[] {1, 1}, new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> TrendFit.of(new double[] {1, 2}, new double[] {1}));
    }

    // ---- the verdict ------------------------------------------------------------------------------------------

    @Test
    void externalAndArrayBuffersGrowingIsANativeLeak() {
        // The seed story: +2 MiB of ArrayBuffer per sample (120 MiB/h), the JS heap sawing but flat.
        TrendVerdict v = Trend.judge(samples(N, flat(24 * MIB), sawtooth(20 * MIB, 0), i -> 30 * MIB + i * 2 * MIB,
                i -> 10 * MIB + i * 2 * MIB, noisy(40 * MIB, MIB / 4, 1)));
        assertEquals(TrendVerdict.Kind.NATIVE, v.kind());
        assertEquals(TrendSeries.EXTERNAL, v.basis());
        assertFalse(v.inferred());
        assertEquals(TrendVerdict.Confidence.HIGH, v.confidence());
        assertEquals(Set.of(TrendSeries.RSS, TrendSeries.EXTERNAL, TrendSeries.ARRAY_BUFFERS), v.growing());
        assertEquals(120.0 * MIB, v.fit(TrendSeries.EXTERNAL).slopePerHour(), 1);
        assertEquals(120.0 * MIB, (Double) v.metrics().get("array-buffers-slope"), 1);
        assertEquals(N, v.samples());
        assertEquals(3_600_000, v.spanMillis());
        assertTrue(v.isLeak());
    }

    @Test
    void heapUsedGrowingIsAJsHeapLeak() {
        // Objects kept: heapUsed +1 MiB per sample under the GC's saw; V8 grows heapTotal ahead of it, and its own
        // bookkeeping outside the heap a little with it.
        TrendVerdict v = Trend.judge(samples(N, i -> 40 * MIB + i * MIB, sawtooth(20 * MIB, MIB), flat(2 * MIB),
                flat(MIB), i -> 40 * MIB + i * MIB / 4));
        assertEquals(TrendVerdict.Kind.JS_HEAP, v.kind());
        assertEquals(TrendSeries.HEAP_USED, v.basis());
        assertEquals(TrendVerdict.Confidence.HIGH, v.confidence());
        assertTrue(v.grows(TrendSeries.OUTSIDE_V8), "outside V8 grows too, but less than twice as fast");
        assertFalse(v.grows(TrendSeries.EXTERNAL));
    }

    @Test
    void rssGrowingBeyondHeapAndExternalIsOutsideV8() {
        // A native addon mallocs 3 MiB per sample; V8 sees nothing of it.
        TrendVerdict v = Trend.judge(samples(N, flat(30 * MIB), sawtooth(20 * MIB, 0), noisy(5 * MIB, 100_000, 2),
                flat(MIB), i -> 40 * MIB + 3 * i * MIB));
        assertEquals(TrendVerdict.Kind.OUTSIDE_V8, v.kind());
        assertEquals(TrendSeries.OUTSIDE_V8, v.basis());
        assertEquals(Set.of(TrendSeries.RSS, TrendSeries.OUTSIDE_V8), v.growing());
        assertEquals(180.0 * MIB, v.fit(TrendSeries.OUTSIDE_V8).slopePerHour(), 1);
    }

    @Test
    void outsideV8NamesTheKindOnlyWhenItDominates() {
        // heapUsed +1 MiB per sample; outside V8 +3 MiB per sample: more than twice as fast, so it names the kind.
        TrendVerdict dominant = Trend.judge(samples(N, i -> 40 * MIB + i * MIB, i -> 20 * MIB + i * MIB, flat(MIB),
                flat(MIB), i -> 40 * MIB + 3 * i * MIB));
        assertEquals(TrendVerdict.Kind.OUTSIDE_V8, dominant.kind());
        assertTrue(dominant.grows(TrendSeries.HEAP_USED));
        // Outside V8 +1.5 MiB per sample against heapUsed +1 MiB: the heap names it.
        TrendVerdict heap = Trend.judge(samples(N, i -> 40 * MIB + i * MIB, i -> 20 * MIB + i * MIB, flat(MIB),
                flat(MIB), i -> 40 * MIB + 3 * i * MIB / 2));
        assertEquals(TrendVerdict.Kind.JS_HEAP, heap.kind());
    }

    @Test
    void whenHeapAndExternalBothGrowTheFasterNamesTheKind() {
        TrendVerdict v = Trend.judge(samples(N, i -> 40 * MIB + i * MIB, i -> 20 * MIB + i * MIB,
                i -> 10 * MIB + 4 * i * MIB, i -> 4 * i * MIB, flat(40 * MIB)));
        assertEquals(TrendVerdict.Kind.NATIVE, v.kind());
        assertTrue(v.grows(TrendSeries.HEAP_USED));
    }

    @Test
    void noiseAndAGarbageCollectedSawAreStable() {
        TrendVerdict v = Trend.judge(samples(N, flat(30 * MIB), sawtooth(20 * MIB, 0), noisy(5 * MIB, MIB / 2, 3),
                flat(MIB), noisy(40 * MIB, MIB, 4)));
        assertEquals(TrendVerdict.Kind.STABLE, v.kind());
        assertNull(v.basis());
        assertEquals(Set.of(), v.growing());
        assertEquals(TrendVerdict.Confidence.HIGH, v.confidence());
        assertFalse(v.isLeak());
    }

    @Test
    void growthBelowTheMaterialAmountIsStable() {
        // A steady +10 KiB per sample: a perfect line, but 600 KiB over the watch, under 1 MiB and 2% of RSS.
        TrendVerdict v = Trend.judge(samples(N, flat(30 * MIB), flat(20 * MIB), i -> 5 * MIB + i * 10 * 1024,
                i -> i * 10 * 1024, flat(40 * MIB)));
        assertEquals(TrendVerdict.Kind.STABLE, v.kind());
        assertEquals(Math.max(1 << 20, 0.02 * v.fit(TrendSeries.RSS).mean()), v.materialBytes(), 1e-6);
        assertEquals(TrendVerdict.Confidence.HIGH, v.confidence(), "surely below the bar: a perfect line");
    }

    @Test
    void aWarmUpThatLevelsOffIsNotGrowth() {
        // heapUsed climbs 30 MiB over the first ten samples, then stays: the later half does not rise.
        IntToLongFunction warmUp = i -> 10 * MIB + Math.min(i, 10) * 3 * MIB;
        TrendVerdict v = Trend.judge(samples(N, i -> 20 * MIB + warmUp.applyAsLong(i), warmUp, flat(2 * MIB),
                flat(MIB), flat(40 * MIB)));
        assertTrue(v.fit(TrendSeries.HEAP_USED).slopePerHour() > 0);
        assertEquals(TrendVerdict.Kind.STABLE, v.kind());
    }

    @Test
    void aSingleStepIsNotGrowth() {
        // 50 MiB allocated once, in the middle of the watch, and kept.
        TrendVerdict v = Trend.judge(samples(N, flat(30 * MIB), flat(20 * MIB), i -> 5 * MIB + (i >= 30 ? 50 * MIB : 0),
                i -> i >= 30 ? 50 * MIB : 0, flat(40 * MIB)));
        assertFalse(v.grows(TrendSeries.EXTERNAL));
        assertEquals(TrendVerdict.Kind.STABLE, v.kind());
    }

    @Test
    void heapTotalAloneGrowingIsNoJsHeapLeak() {
        // V8 grows its heap to the allocation rate while heapUsed stays flat, as a warming process does; RSS follows
        // heapTotal. RSS grows with no part growing by the rule, and heapTotal adds most: stable, at low confidence.
        TrendVerdict v = Trend.judge(samples(N, i -> 20 * MIB + i * MIB / 2, sawtooth(15 * MIB, 0), flat(2 * MIB),
                flat(MIB), flat(40 * MIB)));
        assertFalse(v.grows(TrendSeries.HEAP_USED));
        assertTrue(v.grows(TrendSeries.HEAP_TOTAL));
        assertTrue(v.grows(TrendSeries.RSS));
        assertEquals(TrendVerdict.Kind.STABLE, v.kind());
        assertNull(v.basis());
        assertEquals(TrendVerdict.Confidence.LOW, v.confidence());
        assertTrue(v.inferred());
    }

    @Test
    void rssGrowingWithNoPartClearlyGrowingIsPutDownToTheLargestPart() {
        // RSS a clean +0.5 MiB per sample, all of it outside V8, but heapTotal and the rest swap 40 MiB back and
        // forth from sample to sample: neither part's line fits (R² < 0.5), RSS's does.
        TrendVerdict v = Trend.judge(samples(N, i -> 30 * MIB + (i % 2) * 40 * MIB, flat(20 * MIB), flat(2 * MIB),
                flat(MIB), i -> 40 * MIB + i * MIB / 2 - (i % 2) * 40 * MIB));
        assertEquals(1, v.fit(TrendSeries.RSS).r2(), 1e-9);
        assertTrue(v.fit(TrendSeries.OUTSIDE_V8).r2() < 0.5);
        assertTrue(v.inferred(), v.growing().toString());
        assertEquals(TrendVerdict.Kind.OUTSIDE_V8, v.kind());
        assertEquals(TrendSeries.OUTSIDE_V8, v.basis());
        assertEquals(TrendVerdict.Confidence.LOW, v.confidence());
    }

    @Test
    void fewSamplesGiveNoVerdictOrLowConfidence() {
        List<TrendSample> two = samples(2, flat(30 * MIB), flat(20 * MIB), i -> i * 100 * MIB, flat(0), flat(40 * MIB));
        TrendVerdict none = Trend.judge(two);
        assertEquals(TrendVerdict.Kind.UNKNOWN, none.kind());
        assertEquals(TrendVerdict.Confidence.NONE, none.confidence());
        assertEquals(Set.of(), none.fits().keySet());
        assertEquals(2L, none.metrics().get("samples"));
        assertEquals(TrendVerdict.Kind.UNKNOWN, Trend.judge(List.of()).kind());

        TrendVerdict five = Trend.judge(samples(5, flat(30 * MIB), flat(20 * MIB), i -> 5 * MIB + i * 10 * MIB,
                i -> i * 10 * MIB, flat(40 * MIB)));
        assertEquals(TrendVerdict.Kind.NATIVE, five.kind());
        assertEquals(TrendVerdict.Confidence.LOW, five.confidence());
    }

    @Test
    void withoutTheInspectorRssGrowthIsOnlyGrowing() {
        List<TrendSample> samples = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            samples.add(TrendSample.rssOnly(i * STEP_MILLIS, 100 * MIB + i * MIB, 100 * MIB + i * MIB));
        }
        TrendVerdict v = Trend.judge(samples);
        assertEquals(TrendVerdict.Kind.GROWING, v.kind());
        assertEquals(TrendSeries.RSS, v.basis());
        assertEquals(Set.of(TrendSeries.RSS), v.fits().keySet());
        assertEquals(List.of("rss-slope", "rss-bytes", "peak-rss-bytes", "rss-growth-bytes", "samples"),
                List.copyOf(v.metrics().keySet()));
        assertEquals(Trend.metricNames(false), List.copyOf(v.metrics().keySet()));
    }

    @Test
    void metricsAreTheLastSampleTheSlopesAndThePeak() {
        List<TrendSample> samples = samples(N, flat(30 * MIB), flat(20 * MIB), i -> 5 * MIB + i * MIB, i -> i * MIB,
                flat(40 * MIB));
        // A peak (VmHWM) from before the watch, higher than any sample.
        samples.set(3, new TrendSample(3 * STEP_MILLIS, samples.get(3).rssBytes(), 500 * MIB, 30 * MIB, 20 * MIB,
                8 * MIB, 3 * MIB));
        TrendVerdict v = Trend.judge(samples);
        assertEquals(Trend.metricNames(true), List.copyOf(v.metrics().keySet()));
        assertEquals(500 * MIB, v.metrics().get("peak-rss-bytes"));
        assertEquals(75 * MIB + 60 * MIB, v.metrics().get("rss-bytes"));
        assertEquals(60 * MIB, v.metrics().get("rss-growth-bytes"));
        assertEquals(60 * MIB, v.metrics().get("array-buffers-bytes"));
        assertEquals(65 * MIB, v.metrics().get("external-bytes"));
        assertEquals(60.0 * MIB, (Double) v.metrics().get("external-slope"), 1);
        assertEquals(0.0, (Double) v.metrics().get("heap-used-slope"), 1e-6);
        assertEquals((long) N, v.metrics().get("samples"));
    }

    @Test
    void outsideV8IsRssLessHeapTotalAndExternal() {
        TrendSample s = new TrendSample(0, 100, 120, 30, 20, 25, 10);
        assertEquals(45, TrendSeries.OUTSIDE_V8.value(s));
        assertEquals(TrendSample.UNKNOWN, TrendSeries.OUTSIDE_V8.value(TrendSample.rssOnly(0, 100, 100)));
        assertEquals(100, TrendSeries.RSS.value(TrendSample.rssOnly(0, 100, 100)));
    }
}
