package dev.leakhunt.cli;

import dev.leakhunt.inspector.InspectorSession;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The wait of {@code snapshot --track-allocations}: until the time is up or the user presses Ctrl-C, which here
 * means "take the snapshot now" (a second Ctrl-C, during the snapshot, stops leakhunt as usual). Fails when the
 * target goes away meanwhile.
 */
final class TrackingWait {
    private static final long POLL_MILLIS = 200;

    private TrackingWait() {
    }

    /** Waits up to {@code millis} (0: until Ctrl-C); returns whether Ctrl-C ended it. */
    static boolean await(InspectorSession session, long millis) throws IOException {
        CountDownLatch interrupted = new CountDownLatch(1);
        SignalHandler previous = null;
        Signal interrupt = new Signal("INT");
        try {
            previous = Signal.handle(interrupt, signal -> interrupted.countDown());
        } catch (IllegalArgumentException e) {
            // signals are not ours to handle here (-Xrs): the time alone ends the wait
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (millis == 0 || System.nanoTime() < deadline) {
                long step = millis == 0 ? POLL_MILLIS
                        : Math.min(POLL_MILLIS, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1);
                if (interrupted.await(step, TimeUnit.MILLISECONDS)) {
                    return true;
                }
                if (!session.isConnected()) {
                    throw new IOException("the target went away while allocations were tracked");
                }
                if (session.targetExiting()) {
                    throw new IOException("the target is exiting (it waits for its debugger to disconnect), so no "
                            + "snapshot was taken; leakhunt lets it go");
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while allocations were tracked");
        } finally {
            if (previous != null) {
                Signal.handle(interrupt, previous);
            }
        }
    }
}
