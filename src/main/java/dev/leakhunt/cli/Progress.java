package dev.leakhunt.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr for long work, fed by polling a counter (the reader's bytes, the capture's chunks), so
 * the work itself knows nothing of terminals. {@link #NONE} does nothing: for --json, pipes and tests.
 */
class Progress implements AutoCloseable {
    static final Progress NONE = new Progress();

    Progress() {
    }

    static Progress start(PrintWriter err, String task, long max, LongSupplier done) {
        return start(err, task, max, " MiB", 1 << 20, done);
    }

    /**
     * A bar counting in {@code unit}s of {@code unitSize} (e.g. {@code " MiB"}, 2^20, or {@code ""}, 1 for a plain
     * count); a {@code max} of -1 draws a bar of unknown length.
     */
    static Progress start(PrintWriter err, String task, long max, String unit, long unitSize, LongSupplier done) {
        return new Bar(err, task, max, unit, unitSize, done);
    }

    void max(long max) {
    }

    @Override
    public void close() {
    }

    private static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(PrintWriter err, String task, long max, String unit, long unitSize, LongSupplier done) {
            PrintStream stream = new PrintStream(new OutputStream() {
                @Override
                public void write(int b) {
                    err.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    err.write(new String(b, off, len, StandardCharsets.UTF_8));
                }

                @Override
                public void flush() {
                    err.flush();
                }
            }, true, StandardCharsets.UTF_8);
            bar = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(max)
                    .setUnit(unit, unitSize)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(200)
                    .setConsumer(new ConsoleProgressBarConsumer(stream))
                    .clearDisplayOnFinish()
                    .setMaxRenderedLength(100)
                    .build();
            Thread poll = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    bar.stepTo(Math.min(done.getAsLong(), bar.getMax() > 0 ? bar.getMax() : Long.MAX_VALUE));
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "leakhunt-progress");
            poll.setDaemon(true);
            poll.start();
            this.poller = poll;
        }

        private final Thread poller;

        @Override
        void max(long max) {
            bar.maxHint(max);
        }

        @Override
        public void close() {
            poller.interrupt();
            bar.close();
        }
    }
}
