package dev.leakhunt.analysis;

import java.util.List;

/**
 * ArrayBuffer backing stores that share the nearest steps of their retainer chains. {@code sizeBytes} is set when
 * every member has the same size, else null (see min and max). {@code chain} is one member's full chain, of which
 * {@code sharingChain} members have the same (ids and indexes aside). {@code commonDominator} is the lowest node
 * that dominates every member: what to free; {@code dominatorStep} is its index in {@code chain}, or -1 when it is
 * not on that chain.
 */
public record BufferGroup(int count, Long sizeBytes, long minBytes, long maxBytes, long totalBytes,
                          List<ChainStep> chain, int sharingChain, NodeRef commonDominator, int dominatorStep) {
}
