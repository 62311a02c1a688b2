package dev.leakhunt.cli;

import dev.leakhunt.explore.Shell;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The exit statuses of leakhunt, and the one mapping from a thrown exception to a status. */
public final class ExitCodes {
    public static final int OK = 0;
    /** A {@code --fail-if} assertion held. */
    public static final int ASSERTION = 1;
    public static final int USAGE = 2;
    /** Bad input (a file that is not a usable snapshot) or an unreachable target process. */
    public static final int BAD_INPUT = 3;
    public static final int INTERNAL = 4;
    /** Ctrl-C ended a watch (after its verdict and files). */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }

    /**
     * The exit codes a command's help lists, from the constants above: what 3 means depends on the command's input
     * (a file, a target process), and only some commands assert (1) or are interrupted (130).
     */
    static Map<String, String> help(String command) {
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put(key(OK), command.equals("watch") ? "the watch ended (its duration passed, --then stop, or the "
                + "target exited)" : "success");
        if (!command.equals("explore") && !command.equals("help") && !command.equals("generate-completion")
                && !command.equals("ps")) {
            codes.put(key(ASSERTION), "a --fail-if assertion held (each is named on stderr)");
        }
        codes.put(key(USAGE), command.equals("explore")
                ? "usage error (an unknown command or bad arguments stops a script)" : "usage error");
        codes.put(key(BAD_INPUT), switch (command) {
            case "analyze" -> "bad input: a file that is not a heap snapshot, or cannot be read exactly";
            case "diff" -> "bad input: a file that is not a heap snapshot, or cannot be read exactly; with --pid, the "
                    + "target is not there, not Node.js or not reachable, or a capture failed";
            case "snapshot" -> "the target is not there, not Node.js or not reachable, the capture failed, or the "
                    + "file could not be written or read";
            case "watch" -> "the target is not there or not watchable, the inspector was lost, or a file could not "
                    + "be written";
            case "ps" -> "/proc cannot be read";
            case "explore" -> "bad input: the file, or in a script an id that names no node or a file diff cannot "
                    + "read (the script goes on, exit 3 at the end)";
            default -> "bad input or unreachable target";
        });
        codes.put(key(INTERNAL), "internal error (a bug: the stack trace with --verbose)");
        if (command.equals("watch")) {
            codes.put(key(INTERRUPTED), "Ctrl-C (after the verdict and files)");
        }
        return codes;
    }

    private static String key(int code) {
        return String.format("%3d", code);
    }

    /**
     * The status of a command that reports before it knows all went well (a watch prints its verdict, then may find
     * the inspector lost or a capture failed): a failure of the input outranks an assertion that held.
     */
    static int afterReport(int reported, boolean inputFailed) {
        return inputFailed ? BAD_INPUT : reported;
    }

    /** Whether the JVM is exiting (Ctrl-C): hooks can no longer be added then. */
    static boolean shuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    /** The exit code of an explore shell's status. */
    static int of(Shell.Status status) {
        return switch (status) {
            case OK -> OK;
            case BAD_INPUT -> BAD_INPUT;
            case USAGE -> USAGE;
            case INTERNAL -> INTERNAL;
        };
    }

    /**
     * Prints one line for {@code ex} on {@code err} and returns its exit status. Bad input arrives as an
     * {@link IOException} whose message already names the file or pid and the reason; anything else is a bug.
     */
    static int report(Throwable ex, String prefix, PrintWriter err, boolean verbose) {
        if (shuttingDown()) {
            return INTERRUPTED; // Ctrl-C: the hooks say what they close; a failure it caused here says nothing more
        }
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
