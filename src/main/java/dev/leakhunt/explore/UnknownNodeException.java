package dev.leakhunt.explore;

/** An id that names no node of this snapshot: the command fails, the shell goes on. */
final class UnknownNodeException extends RuntimeException {
    UnknownNodeException(long id) {
        super("no node @" + id + " in this snapshot", null, false, false);
    }
}
