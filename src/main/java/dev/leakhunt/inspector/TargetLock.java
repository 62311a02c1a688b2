package dev.leakhunt.inspector;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * One leakhunt inspector session per target at a time. Two at once would have the one that opened the inspector
 * close it under the other, and two snapshots at once make the target build both. A lock on a file named by the
 * target's pid and start time ({@code <tmp>/leakhunt-locks/<pid>-<start>.lock}, released by the OS if leakhunt
 * dies); a second session waits for it, then says who holds it.
 */
final class TargetLock implements AutoCloseable {
    private static final long POLL_MILLIS = 100;

    private final FileChannel channel;
    private final FileLock lock;

    private TargetLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static Path directory() {
        return Path.of(System.getProperty("java.io.tmpdir"), "leakhunt-locks");
    }

    /** Takes the lock of {@code target}, waiting at most {@code waitMillis} for another session to end. */
    static TargetLock acquire(NodeProcess target, long waitMillis) throws IOException {
        Path dir = directory();
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // any user's lock
            } catch (IOException | UnsupportedOperationException e) {
                // another run made it meanwhile, or a file system without permissions: the open below decides
            }
        }
        Path file = dir.resolve(target.pid() + "-" + target.startTicks() + ".lock");
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("cannot take the lock '" + file + "' that keeps two leakhunt sessions off pid "
                    + target.pid() + ": " + e.getMessage());
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        try {
            for (;;) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // this JVM holds it, in another session
                }
                if (lock != null) {
                    return new TargetLock(channel, lock);
                }
                if (System.nanoTime() > deadline) {
                    channel.close();
                    throw new IOException("another leakhunt has an inspector session with pid " + target.pid()
                            + " open (a snapshot, diff or watch); it is still open after " + Text.duration(waitMillis)
                            + ": run this one when it ends");
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new IOException("interrupted while waiting for another leakhunt session with pid " + target.pid());
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // the channel's close releases it too
        }
        try {
            channel.close();
        } catch (IOException e) {
            // nothing held any more
        }
    }
}
