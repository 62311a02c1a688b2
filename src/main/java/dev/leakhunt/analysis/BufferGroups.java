package dev.leakhunt.analysis;

import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.Arrays;
import java.util.List;

/**
 * Groups members (the ArrayBuffer backing stores, {@code native} nodes named {@code system / JSArrayBufferData};
 * or every native node with a size) by the signature of the nearest steps of their retainer chains
 * ({@link ChainSignatures}), then merges the groups that one collection holds ({@link Holders}): the members of one
 * Map, Set, WeakMap, dictionary, array or hash table make one group whatever their keys and whichever path is
 * nearest the roots. Largest total first.
 */
public final class BufferGroups {
    public static final String BACKING_STORE = "system / JSArrayBufferData";
    /** How many steps above the buffer make its group: buffer ← ArrayBuffer ← view ← owner ← owner's holder. */
    public static final int SIGNATURE_STEPS = 4;
    /** How many of the largest signature groups are looked at for their holders (and merged). */
    static final int HOLDER_CANDIDATES = 256;

    private BufferGroups() {
    }

    /** The ordinals of all backing-store nodes. */
    public static int[] backingStores(HeapSnapshot s) {
        int name = s.strings().indexOf(BACKING_STORE);
        int nativeType = s.meta().nodeType("native");
        if (name < 0) {
            return new int[0];
        }
        return select(s, n -> s.nodeNameIndex(n) == name && s.nodeType(n) == nativeType);
    }

    /**
     * The {@code native} nodes in one pass: every backing store ({@link #backingStores}), and every native node with
     * a size (backing stores, zlib state, WebAssembly memory, …), the members of native suspects.
     */
    public record NativeNodes(int[] backingStores, int[] sized) {
    }

    public static NativeNodes nativeNodes(HeapSnapshot s) {
        int nativeType = s.meta().nodeType("native");
        int name = s.strings().indexOf(BACKING_STORE);
        Members stores = new Members();
        Members sized = new Members();
        for (int n = 0; n < s.nodeCount(); n++) {
            if (s.nodeType(n) != nativeType) {
                continue;
            }
            long size = s.selfSize(n);
            if (s.nodeNameIndex(n) == name) {
                stores.add(n, size);
            }
            if (size > 0) {
                sized.add(n, size);
            }
        }
        return new NativeNodes(Arrays.copyOf(stores.nodes, stores.count), Arrays.copyOf(sized.nodes, sized.count));
    }

    private static int[] select(HeapSnapshot s, java.util.function.IntPredicate p) {
        int count = 0;
        int[] found = new int[64];
        for (int n = 0; n < s.nodeCount(); n++) {
            if (p.test(n)) {
                if (count == found.length) {
                    found = Arrays.copyOf(found, count * 2);
                }
                found[count++] = n;
            }
        }
        return Arrays.copyOf(found, count);
    }

    /** A growable set of member ordinals with its running figures. */
    static class Members {
        int[] nodes = new int[8];
        int count;
        long total;
        long min = Long.MAX_VALUE;
        long max;

        void add(int node, long size) {
            if (count == nodes.length) {
                nodes = Arrays.copyOf(nodes, count * 2);
            }
            nodes[count++] = node;
            total += size;
            min = Math.min(min, size);
            max = Math.max(max, size);
        }

        void addAll(Members other, HeapSnapshot s) {
            for (int i = 0; i < other.count; i++) {
                add(other.nodes[i], s.selfSize(other.nodes[i]));
            }
        }
    }

    /** Groups {@code members} (e.g. {@link #backingStores}), returning the {@code top} largest by total bytes. */
    public static List<BufferGroup> group(Describer describer, int[] members, int top) {
        return new MemberGroups(describer).group(members, top);
    }

    /** The member with the most bytes (the lowest ordinal among equals), whose chain the report shows. */
    static int largest(HeapSnapshot s, int[] nodes, int count) {
        int best = nodes[0];
        for (int i = 1; i < count; i++) {
            if (s.selfSize(nodes[i]) > s.selfSize(best) || s.selfSize(nodes[i]) == s.selfSize(best) && nodes[i] < best) {
                best = nodes[i];
            }
        }
        return best;
    }

    /** The representative first (the holder search reads the first member's chain as the one to show). */
    static int[] representativeFirst(HeapSnapshot s, Members m) {
        int[] nodes = Arrays.copyOf(m.nodes, m.count);
        int rep = largest(s, nodes, m.count);
        for (int i = 0; i < nodes.length; i++) {
            if (nodes[i] == rep) {
                nodes[i] = nodes[0];
                nodes[0] = rep;
                break;
            }
        }
        return nodes;
    }
}
