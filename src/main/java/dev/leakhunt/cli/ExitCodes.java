package dev.leakhunt.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/** The exit statuses of leakhunt, and the one mapping from a thrown exception to a status. */
public final class ExitCodes {
    public static final int OK = 0;
    /** A {@code --fail-if} assertion held. */
    public static final int ASSERTION = 1;
    public static final int USAGE = 2;
    /** Bad input (a file that is not a usable snapshot) or an unreachable target process. */
    public static final int BAD_INPUT = 3;
    public static final int INTERNAL = 4;

    private ExitCodes() {
    }

    /**
     * Prints one line for {@code ex} on {@code err} and returns its exit status. Bad input arrives as an
     * {@link IOException} whose message already names the file or pid and the reason; anything else is a bug.
     */
    static int report(Throwable ex, String prefix, PrintWriter err, boolean verbose) {
        if (ex instanceof UncheckedIOException u) {
            ex = u.getCause();
        }
        if (ex instanceof UsageException) {
            err.println(prefix + ": " + ex.getMessage());
            return USAGE;
        }
        if (ex instanceof IOException) {
            err.println(prefix + ": " + ex.getMessage());
            if (verbose) {
                ex.printStackTrace(err);
            }
            return BAD_INPUT;
        }
        if (ex instanceof OutOfMemoryError) {
            err.println(prefix + ": out of memory (max heap " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB); run with a larger -Xmx, e.g. JAVA_OPTS=-Xmx8g");
            return BAD_INPUT;
        }
        err.println(prefix + ": internal error: " + ex + (verbose ? "" : " (run with --verbose for the stack trace)"));
        if (verbose) {
            ex.printStackTrace(err);
        }
        return INTERNAL;
    }
}
