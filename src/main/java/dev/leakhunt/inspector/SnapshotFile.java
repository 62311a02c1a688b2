package dev.leakhunt.inspector;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPOutputStream;

/**
 * A heap snapshot being written: text goes to {@code <out>.part}, created owner-only (rw-------, since a heap
 * holds whatever secrets the process held), optionally gzip-compressed on the way; {@link #commit()} syncs it to
 * disk and renames it to {@code <out>} in one step, {@link #abort()} deletes it. Nobody ever sees a partial
 * {@code <out>}.
 */
final class SnapshotFile {
    private static final int BUFFER_BYTES = 256 * 1024;

    private final Path out;
    private final Path part;
    private final FileChannel channel;
    private final BufferedOutputStream buffered;
    private final GZIPOutputStream gzip;
    private final JsonStringWriter text;
    private volatile boolean finished;

    private SnapshotFile(Path out, Path part, FileChannel channel, UnaryOperator<OutputStream> wrap, boolean gzip)
            throws IOException {
        this.out = out;
        this.part = part;
        this.channel = channel;
        this.buffered = new BufferedOutputStream(wrap.apply(Channels.newOutputStream(channel)), BUFFER_BYTES);
        this.gzip = gzip ? new GZIPOutputStream(buffered, 64 * 1024) : null;
        this.text = new JsonStringWriter(gzip ? this.gzip : buffered);
    }

    static SnapshotFile create(Path out, boolean gzip) throws IOException {
        return create(out, gzip, UnaryOperator.identity());
    }

    /** As {@link #create(Path, boolean)}; {@code wrap} wraps the raw file stream, so tests can fail writes. */
    static SnapshotFile create(Path out, boolean gzip, UnaryOperator<OutputStream> wrap) throws IOException {
        if (Files.isDirectory(out)) {
            throw new IOException("cannot write the heap snapshot to '" + out + "': it is a directory");
        }
        Path part = out.resolveSibling(out.getFileName() + ".part");
        FileChannel channel;
        try {
            Files.deleteIfExists(part); // left by a run that was killed; its permissions may not be ours
            channel = FileChannel.open(part, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), ownerOnly(part));
        } catch (NoSuchFileException e) {
            throw new IOException("cannot create '" + part + "': no such directory '" + part.toAbsolutePath()
                    .getParent() + "'");
        } catch (AccessDeniedException e) {
            throw new IOException("cannot create '" + part + "': permission denied");
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create '" + part + "': another leakhunt is writing it");
        }
        try {
            return new SnapshotFile(out, part, channel, wrap, gzip);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(part);
            throw e;
        }
    }

    /** rw------- at creation (umask can only take bits away), where the file system has POSIX permissions. */
    private static FileAttribute<?>[] ownerOnly(Path part) {
        boolean posix = part.toAbsolutePath().getFileSystem().supportedFileAttributeViews().contains("posix");
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"))} : new FileAttribute<?>[0];
    }

    Path out() {
        return out;
    }

    Path part() {
        return part;
    }

    /** The snapshot's text goes here, from the string literals that carry it; UTF-8, compressed if asked. */
    JsonStringWriter text() {
        return text;
    }

    /** Flushes, syncs and renames {@code <out>.part} to {@code <out>}; returns the file's size in bytes. */
    long commit() throws IOException {
        try {
            text.flush();
            if (gzip != null) {
                gzip.finish();
            }
            buffered.flush();
            channel.force(true);
            channel.close();
            finished = true;
            Files.move(part, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Files.size(out);
        } catch (IOException e) {
            abort();
            throw describe(e);
        }
    }

    /** Closes and deletes {@code <out>.part}; safe to call more than once and from another thread. */
    void abort() {
        finished = true;
        try {
            channel.close();
        } catch (IOException e) {
            // deleting is what matters
        }
        try {
            Files.deleteIfExists(part);
        } catch (IOException e) {
            // nothing better to do: the name ends in .part
        }
    }

    /** A write failure as a one-line message naming the file; a full disk said in so many words. */
    IOException describe(IOException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("No space left on device")) {
            return new IOException("no space left on device for the heap snapshot '" + out + "' (deleted the"
                    + " partial '" + part.getFileName() + "')", e);
        }
        if (finished && e instanceof java.nio.channels.ClosedChannelException) {
            return new IOException("the heap snapshot '" + out + "' was abandoned", e);
        }
        return new IOException("cannot write the heap snapshot '" + out + "': " + Text.lower(e.getMessage()), e);
    }
}
