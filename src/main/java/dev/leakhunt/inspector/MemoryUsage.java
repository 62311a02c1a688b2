package dev.leakhunt.inspector;

/**
 * The five figures of Node's {@code process.memoryUsage()}, in bytes. {@code external} includes
 * {@code arrayBuffers}; native memory that leaks through ArrayBuffers shows in both while {@code heapUsed} stays
 * flat.
 */
public record MemoryUsage(long rss, long heapTotal, long heapUsed, long external, long arrayBuffers) {
}
