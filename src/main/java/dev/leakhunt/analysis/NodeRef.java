package dev.leakhunt.analysis;

/**
 * A node as reports show it. {@code ordinal} is the node's position in this snapshot (not stable across
 * snapshots); {@code id} is V8's id (stable within one process); {@code hint} and {@code location} may be null.
 */
public record NodeRef(int ordinal, long id, String type, String name, String hint, long selfBytes,
                      long retainedBytes, SourceLocation location) {

    /** {@code Kb {name: "dbfile_1", …} @123} */
    public String label() {
        return name + (hint == null ? "" : " " + hint) + " @" + id;
    }
}
