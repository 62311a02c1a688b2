package dev.leakhunt.cli;

/** A command line that parses but does not make sense; exit status {@link ExitCodes#USAGE}. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
