package dev.leakhunt.analysis;

import java.util.List;

/**
 * Members (ArrayBuffer backing stores, other native nodes, or new objects in a diff) that share the nearest steps of
 * their retainer chains, or one holder. {@code sizeBytes} is set when every member has the same size, else null
 * (see min and max). {@code chain} is one member's full chain (through the holder when its nearest chain does not
 * pass it), of which {@code sharingChain} members have the same (ids and indexes aside). {@code commonDominator} is
 * the lowest node that dominates every member: what frees them all; {@code dominatorStep} is its index in
 * {@code chain}, or -1. {@code holder} is the accumulation point, the collection that holds the members (see
 * {@link Holders}), or null when none holds half of them; {@code holderStep} its index in {@code chain}, or -1;
 * {@code holderCount} how many collections of the holder's class hold the members (1: the holder alone; more: a
 * collection each, as a Map per connection, of which {@code holder} is the one on the chain).
 * {@code alsoHeldBy} names what else holds the members ({@code alsoHeldCount} of those), or is null; {@code keys}
 * are a few of the collection's keys for the members, when it is keyed. {@code allocations} are the stacks that
 * allocated the members (see {@link Allocations}), or null when the snapshot holds none.
 */
public record BufferGroup(int count, Long sizeBytes, long minBytes, long maxBytes, long totalBytes,
                          List<ChainStep> chain, int sharingChain, NodeRef commonDominator, int dominatorStep,
                          NodeRef holder, int holderStep, int holderCount, String alsoHeldBy, int alsoHeldCount,
                          List<String> keys, Allocated allocations) {

    /** The member class: the first step's node name. */
    public String memberClass() {
        return chain.get(0).node().name();
    }
}
