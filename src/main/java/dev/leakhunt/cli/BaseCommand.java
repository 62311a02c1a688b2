package dev.leakhunt.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every subcommand shares: the injected writers, the terminal check for progress bars, and the input checks
 * that must fail before any heavy work starts.
 */
abstract class BaseCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Set by an outer run whose stderr is a terminal, for an inner run that writes through it (see NamespaceEntry). */
    static final String STDERR_TTY_ENV = "LEAKHUNT_STDERR_TTY";

    /** True when stderr is a terminal, so that progress may be drawn there. */
    static boolean stderrIsTerminal() {
        if ("1".equals(System.getenv(STDERR_TTY_ENV))) {
            return true;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The FILE that names standard input. */
    static final String STDIN = "-";

    static boolean isStdin(Path file) {
        return file.toString().equals(STDIN);
    }

    /**
     * Fails with a one-line message unless {@code file} is a readable, non-empty file, a FIFO or pipe we may read, or
     * {@code -} (standard input). Reads one byte of a regular file so that a file we may not read fails here rather
     * than halfway through a parse; a FIFO or pipe is not read (its bytes would be gone).
     */
    static void ensureReadableFile(Path file) throws IOException {
        if (isStdin(file)) {
            return;
        }
        String quoted = "'" + file + "'";
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file: " + quoted) {
                @Override
                public String getMessage() {
                    return getReason();
                }
            };
        }
        if (Files.isDirectory(file)) {
            throw new IOException("is a directory, not a heap snapshot: " + quoted);
        }
        if (!Files.isRegularFile(file)) {
            if (!Files.isReadable(file)) {
                throw new IOException("cannot read " + quoted + ": permission denied");
            }
            return;
        }
        try (InputStream in = new java.io.FileInputStream(file.toFile())) {
            if (in.read() < 0) {
                throw new IOException("file is empty: " + quoted);
            }
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read " + quoted + ": permission denied");
        }
    }
}
