package dev.leakhunt.analysis;

/**
 * One step of a retainer chain: {@code node} holds the step before it by the edge {@code edgeType}/{@code edgeName}.
 * The first step of a chain is the retained node itself, with null edge fields.
 */
public record ChainStep(NodeRef node, String edgeType, String edgeName) {
}
