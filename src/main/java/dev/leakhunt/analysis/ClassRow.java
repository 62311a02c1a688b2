package dev.leakhunt.analysis;

/** One line of the class summary: retained bytes count each object once, as DevTools' Summary view does. */
public record ClassRow(String name, long count, long selfBytes, long retainedBytes) {
}
