package dev.leakhunt.analysis;

/**
 * Where in the code a node comes from: a closure's function, an object's constructor. {@code script} is the
 * script's name as V8 has it (a path or URL); {@code line} and {@code column} are 1-based, as editors count;
 * {@code shown} is how a person reads it: relative to the working directory when inside it, a package's files as
 * {@code <package>/<path>}.
 */
public record SourceLocation(String script, int line, int column, String shown) {
    @Override
    public String toString() {
        return shown;
    }
}
