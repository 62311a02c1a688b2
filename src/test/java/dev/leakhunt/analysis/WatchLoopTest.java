package dev.leakhunt.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The watch's schedule and conditions on a fake clock and synthetic samples: no process, no waiting. A condition
 * here is an RSS threshold in MiB.
 */
class WatchLoopTest {
    /** A clock that moves only when the loop pauses, or when a sample "takes" time. */
    static final class FakeClock implements WatchLoop.Clock {
        long now = 1_000_000;
        boolean interruptAt;
        long interruptAfter = Long.MAX_VALUE;
        final List<Long> pauses = new ArrayList<>();

        @Override
        public long millis() {
            return now;
        }

        @Override
        public boolean pause(long millis) {
            pauses.add(millis);
            now += Math.max(0, millis);
            return now - 1_000_000 >= interruptAfter;
        }

        @Override
        public boolean interrupted() {
            return false;
        }
    }

    private static final long MIB = 1 << 20;

    /** Samples whose RSS (MiB) is {@code rss(k)} for the k-th, each taking {@code costMillis} of the clock. */
    private static WatchLoop.Sampler sampler(FakeClock clock, LongUnaryOperator rss, long costMillis) {
        long[] k = {0};
        return elapsed -> {
            clock.now += costMillis;
            long mib = rss.applyAsLong(k[0]++);
            return TrendSample.rssOnly(elapsed, mib * MIB, mib * MIB);
        };
    }

    private static boolean above(Long mib, List<TrendSample> samples) {
        return samples.get(samples.size() - 1).rssBytes() > mib * MIB;
    }

    /** Records what fired, and at which sample; goes on unless told. */
    static final class Recorder implements WatchLoop.Listener<Long> {
        final List<String> fired = new ArrayList<>();
        int samples;
        boolean goOn = true;

        @Override
        public void sampled(TrendSample sample, List<TrendSample> all) {
            samples = all.size();
        }

        @Override
        public boolean fired(List<Long> met, List<TrendSample> all, boolean moreToCome) {
            fired.add(all.size() - 1 + ":" + met + (moreToCome ? "+" : ""));
            return goOn;
        }
    }

    @Test
    void samplesOnTheScheduleUntilTheDuration() {
        FakeClock clock = new FakeClock();
        Recorder r = new Recorder();
        WatchLoop<Long> loop = new WatchLoop<>(200, 3000, List.of(), WatchLoopTest::above, false, false, clock);
        WatchLoop.Result<Long> result = loop.run(sampler(clock, k -> 100, 10), r);
        assertSame(WatchLoop.End.DURATION, result.end());
        assertEquals(16, result.samples().size(), "slots 0, 200, …, 3000 ms");
        assertEquals(3000, result.samples().get(15).elapsedMillis());
        assertEquals(190, clock.pauses.get(0), "the interval less what the sample took");
    }

    @Test
    void aSlowSampleSkipsTheSlotsItOverran() {
        FakeClock clock = new FakeClock();
        WatchLoop<Long> loop = new WatchLoop<>(200, 2000, List.of(), WatchLoopTest::above, false, false, clock);
        // the third sample, at 400 ms, takes 650: slots 600, 800 and 1000 are gone, the next is 1200
        long[] k = {0};
        WatchLoop.Result<Long> result = loop.run(elapsed -> {
            clock.now += k[0]++ == 2 ? 650 : 5;
            return TrendSample.rssOnly(elapsed, MIB, MIB);
        }, new Recorder());
        List<Long> at = result.samples().stream().map(TrendSample::elapsedMillis).toList();
        assertEquals(List.of(0L, 200L, 400L, 1200L, 1400L, 1600L, 1800L, 2000L), at);
    }

    @Test
    void aConditionFiresOnceWithoutRepeat() {
        FakeClock clock = new FakeClock();
        Recorder r = new Recorder();
        // RSS 100, 200, 300, … MiB: above 250 from the third sample on
        WatchLoop<Long> loop = new WatchLoop<>(100, 1000, List.of(250L), WatchLoopTest::above, false, false, clock);
        WatchLoop.Result<Long> result = loop.run(sampler(clock, k -> 100 * (k + 1), 1), r);
        assertEquals(List.of("2:[250]"), r.fired);
        assertSame(WatchLoop.End.DURATION, result.end());
    }

    @Test
    void repeatReArmsOnceASampleNoLongerMeetsIt() {
        FakeClock clock = new FakeClock();
        Recorder r = new Recorder();
        // a saw: 100, 300, 300, 100, 300, 100, 100, 300 …: fires at 1, re-arms at 3, fires at 4, again at 7
        long[] saw = {100, 300, 300, 100, 300, 100, 100, 300, 300, 300, 300};
        WatchLoop<Long> loop = new WatchLoop<>(100, 1000, List.of(250L), WatchLoopTest::above, true, true, clock);
        WatchLoop.Result<Long> result = loop.run(sampler(clock, k -> saw[(int) k], 1), r);
        assertEquals(List.of("1:[250]+", "4:[250]+", "7:[250]+"), r.fired);
        assertSame(WatchLoop.End.DURATION, result.end(), "repeat never stops the watch");
    }

    @Test
    void stopWhenFiredEndsOnceEveryConditionHasFired() {
        FakeClock clock = new FakeClock();
        Recorder r = new Recorder();
        WatchLoop<Long> loop = new WatchLoop<>(100, 0, List.of(150L, 350L), WatchLoopTest::above, false, true,
                clock);
        WatchLoop.Result<Long> result = loop.run(sampler(clock, k -> 100 * (k + 1), 1), r);
        assertEquals(List.of("1:[150]+", "3:[350]"), r.fired, "the first leaves one armed (+), the second none");
        assertSame(WatchLoop.End.STOPPED, result.end());
        assertEquals(List.of(350L), result.lastFired());
        assertEquals(4, result.samples().size());
    }

    @Test
    void theListenerAndFailuresAndInterruptsEndIt() {
        FakeClock clock = new FakeClock();
        Recorder stop = new Recorder();
        stop.goOn = false; // the target exited during the action
        WatchLoop<Long> loop = new WatchLoop<>(100, 0, List.of(150L), WatchLoopTest::above, false, false, clock);
        assertSame(WatchLoop.End.BY_LISTENER, loop.run(sampler(clock, k -> 100 * (k + 1), 1), stop).end());

        IOException gone = new IOException("pid 1 has exited");
        WatchLoop.Result<Long> failed = new WatchLoop<>(100, 0, List.<Long>of(), WatchLoopTest::above, false, false,
                clock).run(elapsed -> {
                    if (elapsed > 250) {
                        throw gone;
                    }
                    clock.now += 1;
                    return TrendSample.rssOnly(elapsed, MIB, MIB);
                }, new Recorder());
        assertSame(WatchLoop.End.FAILED, failed.end());
        assertSame(gone, failed.failure());
        assertEquals(3, failed.samples().size(), "0, 100, 200 ms; the fourth failed");

        FakeClock ctrlC = new FakeClock();
        ctrlC.interruptAfter = 450;
        WatchLoop.Result<Long> interrupted = new WatchLoop<>(100, 0, List.<Long>of(), WatchLoopTest::above, false,
                false, ctrlC).run(sampler(ctrlC, k -> 1, 0), new Recorder());
        assertSame(WatchLoop.End.INTERRUPTED, interrupted.end());
        assertEquals(5, interrupted.samples().size(), "0 … 400 ms, then Ctrl-C in the pause");
    }
}
