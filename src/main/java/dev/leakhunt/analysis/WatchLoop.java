package dev.leakhunt.analysis;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * The schedule and the conditions of a watch, without its I/O: samples at start + k × interval (a slot that a slow
 * sample, a snapshot or an action overran is skipped, never made up), until the duration has passed (0: never),
 * the clock says it was interrupted, sampling fails, or the listener ends it. After each sample the armed
 * conditions ({@code C}) are tested: those met fire together, once each; with {@code repeat} a fired condition is
 * re-armed once a sample no longer meets it; with {@code stopWhenFired} the watch stops once every condition has
 * fired (never with {@code repeat}). The clock is an interface, so that tests drive a watch with synthetic samples
 * and no waiting.
 */
public final class WatchLoop<C> {
    /** Time for the loop: now, a pause, and whether the user asked it to end. */
    public interface Clock {
        long millis();

        /** Waits {@code millis} (may be 0 or less); true when the wait was interrupted (Ctrl-C). */
        boolean pause(long millis);

        boolean interrupted();
    }

    /** Takes one sample, {@code elapsedMillis} after the first (0 for the first). */
    public interface Sampler {
        TrendSample take(long elapsedMillis) throws IOException;
    }

    /** What the loop reports as it goes. */
    public interface Listener<C> {
        void sampled(TrendSample sample, List<TrendSample> samples);

        /**
         * Conditions {@code met} by the last sample fired ({@code moreToCome}: others are armed, or will be again);
         * returns whether the watch goes on (false: the target is gone, or Ctrl-C during what it did).
         */
        boolean fired(List<C> met, List<TrendSample> samples, boolean moreToCome);
    }

    /** Why the loop ended. */
    public enum End { DURATION, STOPPED, FAILED, INTERRUPTED, BY_LISTENER }

    /** The samples, why it ended, the conditions that fired last (for STOPPED), and the failure (for FAILED). */
    public record Result<C>(List<TrendSample> samples, End end, List<C> lastFired, IOException failure) {
    }

    private final long intervalMillis;
    private final long durationMillis;
    private final List<C> conditions;
    private final BiPredicate<C, List<TrendSample>> holds;
    private final boolean repeat;
    private final boolean stopWhenFired;
    private final Clock clock;

    public WatchLoop(long intervalMillis, long durationMillis, List<C> conditions,
                     BiPredicate<C, List<TrendSample>> holds, boolean repeat, boolean stopWhenFired, Clock clock) {
        if (intervalMillis <= 0) {
            throw new IllegalArgumentException("interval " + intervalMillis);
        }
        this.intervalMillis = intervalMillis;
        this.durationMillis = durationMillis;
        this.conditions = List.copyOf(conditions);
        this.holds = holds;
        this.repeat = repeat;
        this.stopWhenFired = stopWhenFired;
        this.clock = clock;
    }

    public Result<C> run(Sampler sampler, Listener<C> listener) {
        return run(new ArrayList<>(), sampler, listener);
    }

    /** As {@link #run(Sampler, Listener)}, appending to {@code samples}, the caller's list (the result's too). */
    public Result<C> run(List<TrendSample> samples, Sampler sampler, Listener<C> listener) {
        List<C> armed = new ArrayList<>(conditions);
        List<C> fired = new ArrayList<>();
        long start = clock.millis(); // the first sample's time: elapsed times count from it
        long slot = 0;
        while (true) {
            if (clock.interrupted()) {
                return new Result<>(samples, End.INTERRUPTED, List.of(), null);
            }
            long elapsed = samples.isEmpty() ? 0 : clock.millis() - start;
            TrendSample sample;
            try {
                sample = sampler.take(elapsed);
            } catch (IOException e) {
                return new Result<>(samples, End.FAILED, List.of(), e);
            }
            samples.add(sample);
            listener.sampled(sample, samples);
            for (C c : List.copyOf(fired)) {
                if (!holds.test(c, samples)) {
                    fired.remove(c);
                    armed.add(c);
                }
            }
            List<C> met = armed.stream().filter(c -> holds.test(c, samples)).toList();
            if (!met.isEmpty()) {
                armed.removeAll(met);
                if (repeat) {
                    fired.addAll(met);
                }
                if (!listener.fired(met, samples, !armed.isEmpty() || repeat)) {
                    return new Result<>(samples, End.BY_LISTENER, met, null);
                }
                if (stopWhenFired && armed.isEmpty() && !repeat) {
                    return new Result<>(samples, End.STOPPED, met, null);
                }
            }
            long now = clock.millis() - start;
            slot = Math.max(slot + 1, now / intervalMillis + 1);
            long next = slot * intervalMillis;
            if (durationMillis > 0 && next > durationMillis) {
                return new Result<>(samples, End.DURATION, List.of(), null);
            }
            if (clock.pause(next - now)) {
                return new Result<>(samples, End.INTERRUPTED, List.of(), null);
            }
        }
    }
}
