package dev.leakhunt.analysis;

/**
 * One group of a diff: nodes of class {@code className} whose chains share {@code signature} (null for the classes
 * grouped by class alone, see {@link MemberGroups#byClassAlone}), described by
 * {@code group} (count, sizes, one chain, common dominator) in the later snapshot. {@code retainedBytes} is what
 * freeing all of them would release. {@code before} is what the earlier snapshot held with that signature
 * (backing stores only; null for other objects).
 */
public record DiffGroup(String className, String signature, long retainedBytes, DiffTotals before, BufferGroup group) {
}
