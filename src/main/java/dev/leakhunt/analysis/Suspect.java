package dev.leakhunt.analysis;

import java.util.List;

/**
 * A leak suspect (see {@link Suspects}): {@code count} members of class {@code memberClass} under one
 * {@code holder}, holding {@code bytes} ({@code share} of the snapshot's self size). {@code kind} is
 * {@code "native"} (the members are native memory: backing stores, zlib state) or {@code "js"} (JS objects; bytes
 * are their retained sizes). {@code chain} is one member's chain through the holder, which is at
 * {@code holderStep} (or -1); {@code holderCount} collections of its class hold the members (see
 * {@link BufferGroup}). {@code keys} are a few of the collection's keys, {@code alsoHeldBy} what else holds
 * the members ({@code alsoHeldCount} of them), or null. {@code group} is the native suspect's group, else null.
 * {@code allocations} are the stacks that allocated the members, or null when the snapshot holds none.
 */
public record Suspect(String kind, NodeRef holder, int holderStep, int holderCount, List<ChainStep> chain, long count,
                      String memberClass, long bytes, double share, List<String> keys, String alsoHeldBy,
                      int alsoHeldCount, BufferGroup group, Allocated allocations) {
}
