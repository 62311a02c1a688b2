package dev.leakhunt.analysis;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.HeapSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Retainer-chain signatures: the one engine that groups members for {@code analyze}, {@code diff} and
 * {@code explore}. A signature is a node's class, then each step of its chain ("edge in holder") with what differs
 * from member to member left out: ids, element indexes, and the keys and slots of keyed collections
 * ({@link Describer#signatureEdgeKey}: Map, Set and WeakMap tables, objects used as dictionaries). A step by which a
 * node is held by another of its own class through a property (a link of a linked list or hash-bucket chain:
 * {@code name_next in FSNode}, {@code _idleNext in Timeout}) is left out, so a member behind another in its bucket
 * groups with the rest; a step equal to the one above it counts once. Chains follow
 * {@link HeapGraph#nearestEdge}, so they form a tree: a node's chain is one step on top of its holder's. Each node
 * visited gets the id of the chain above it (repeated steps collapsed, as signatures collapse them), computed once
 * and shared by every node below it. Grouping a million members then costs a step or two each, however long their
 * chains (a linked list included), and a signature is its first steps read from the table.
 *
 * <p>Chain ids are interned pairs (first step, rest of the chain); step ids are interned on what the step's text
 * shows (the edge's name, or that it is an element or hidden edge; the holder's type and name), so equal ids mean
 * equal signatures.
 */
final class ChainSignatures {
    private static final int UNKNOWN = 0;
    /** No step above: held by the root, or unreachable. */
    private static final int EMPTY = 1;

    private final HeapGraph graph;
    private final HeapSnapshot s;
    private final Describer describer;
    private final int root;
    private final int propertyEdge;
    private final int objectName;
    private final AboveTable above;
    private int[] firstStep = new int[1024];
    private int[] rest = new int[1024];
    private int[] prefixOf = new int[1024]; // per chain id: its first SIGNATURE_STEPS steps, as a chain id
    private int chains = EMPTY + 1;
    private final Map<Long, Integer> chainIds = new HashMap<>();
    private final Map<Long, Integer> stepIds = new HashMap<>();
    private final List<String> stepText = new ArrayList<>();
    private final Map<Long, Integer> nameIds = new HashMap<>();
    private int[] stackNode = new int[64];
    private int[] stackHolder = new int[64];

    ChainSignatures(Describer describer) {
        this.describer = describer;
        this.graph = describer.graph();
        this.s = graph.snapshot();
        this.root = graph.root();
        this.propertyEdge = s.meta().edgeType("property");
        this.objectName = s.strings().indexOf("Object");
        this.above = new AboveTable(s.nodeCount());
    }

    /**
     * The chain id above each node visited ({@link #UNKNOWN} for the rest): an open-addressing table while few nodes
     * are visited (analyze groups a few thousand native nodes, whose chains meet soon), a dense array of N once they
     * pass N / {@value #DENSE_FRACTION} (a diff may group millions of new objects).
     */
    private static final class AboveTable {
        private static final int DENSE_FRACTION = 16;
        private final int nodeCount;
        private int[] dense;
        private int[] keys = new int[1024];
        private int[] values = new int[1024];
        private int size;

        AboveTable(int nodeCount) {
            this.nodeCount = nodeCount;
            Arrays.fill(keys, -1);
        }

        int get(int node) {
            if (dense != null) {
                return dense[node];
            }
            for (int i = slot(node, keys.length); ; i = (i + 1) & (keys.length - 1)) {
                if (keys[i] == node) {
                    return values[i];
                }
                if (keys[i] < 0) {
                    return UNKNOWN;
                }
            }
        }

        void put(int node, int value) {
            if (dense != null) {
                dense[node] = value;
                return;
            }
            if (size >= nodeCount / DENSE_FRACTION) {
                dense = new int[nodeCount];
                for (int i = 0; i < keys.length; i++) {
                    if (keys[i] >= 0) {
                        dense[keys[i]] = values[i];
                    }
                }
                keys = null;
                values = null;
                dense[node] = value;
                return;
            }
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            int i = slot(node, keys.length);
            while (keys[i] >= 0 && keys[i] != node) {
                i = (i + 1) & (keys.length - 1);
            }
            if (keys[i] < 0) {
                size++;
            }
            keys[i] = node;
            values[i] = value;
        }

        private void grow() {
            int[] oldKeys = keys;
            int[] oldValues = values;
            keys = new int[oldKeys.length * 2];
            values = new int[oldKeys.length * 2];
            Arrays.fill(keys, -1);
            for (int j = 0; j < oldKeys.length; j++) {
                if (oldKeys[j] >= 0) {
                    int i = slot(oldKeys[j], keys.length);
                    while (keys[i] >= 0) {
                        i = (i + 1) & (keys.length - 1);
                    }
                    keys[i] = oldKeys[j];
                    values[i] = oldValues[j];
                }
            }
        }

        private static int slot(int node, int capacity) {
            return (node * 0x9E3779B9) >>> Integer.numberOfLeadingZeros(capacity - 1); // the top bits of a Fibonacci hash
        }
    }

    /** The id of the chain above {@code node}: its steps from its holder up, repeated steps collapsed. */
    int above(int node) {
        int sp = 0;
        int x = node;
        while (above.get(x) == UNKNOWN) {
            int e = graph.nearestEdge(x);
            int holder = e < 0 ? -1 : s.edgeOwner(e);
            if (holder < 0 || holder == root) {
                above.put(x, EMPTY);
                break;
            }
            if (sp == stackNode.length) {
                stackNode = Arrays.copyOf(stackNode, sp * 2);
                stackHolder = Arrays.copyOf(stackHolder, sp * 2);
            }
            stackNode[sp] = x;
            stackHolder[sp++] = holder;
            x = holder;
        }
        while (sp > 0) {
            int y = stackNode[--sp];
            int holder = stackHolder[sp];
            int edge = graph.nearestEdge(y);
            above.put(y, isLink(edge, y, holder) ? above.get(holder) : join(step(edge, holder), above.get(holder)));
        }
        return above.get(node);
    }

    /**
     * Whether {@code holder} holds {@code node} as a link of a list: by a property, being of the same class (plain
     * {@code Object}s aside: one plain object in another is a structure, not a list).
     */
    boolean isLink(int edge, int node, int holder) {
        return s.edgeType(edge) == propertyEdge && describer.valueClass(node) == describer.valueClass(holder)
                && s.nodeNameIndex(holder) != objectName && !describer.isString(holder);
    }

    /** A step on top of a chain; a step equal to the chain's first collapses into it. */
    private int join(int step, int chain) {
        if (chain != EMPTY && firstStep[chain] == step) {
            return chain;
        }
        return chainIds.computeIfAbsent((long) step << 32 | chain, k -> {
            if (chains == firstStep.length) {
                firstStep = Arrays.copyOf(firstStep, chains * 2);
                rest = Arrays.copyOf(rest, chains * 2);
            }
            firstStep[chains] = step;
            rest[chains] = chain;
            return chains++;
        });
    }

    /** The id of the step "edge in holder": indexes and keys left out, strings as one kind. */
    private int step(int edge, int holder) {
        int edgeName = describer.signatureEdgeKey(edge); // as the text shows it
        long key = (long) name(holder) << 32 | (edgeName & 0xFFFFFFFFL);
        Integer id = stepIds.get(key);
        if (id == null) {
            id = stepText.size();
            stepText.add(describer.edgeNameForSignature(edge) + " in " + display(holder));
            stepIds.put(key, id);
        }
        return id;
    }

    /** An id for what {@link #display} shows of a node. */
    private int name(int node) {
        long key = describer.isString(node) ? -1 : (long) s.nodeType(node) << 32 | (s.nodeNameIndex(node) & 0xFFFFFFFFL);
        return nameIds.computeIfAbsent(key, k -> nameIds.size());
    }

    private String display(int node) {
        return describer.isString(node) ? "(string)" : describer.displayName(node);
    }

    /**
     * A key equal for two nodes exactly when their signatures of {@code depth} steps are
     * ({@link BufferGroups#SIGNATURE_STEPS}: step 0 is the node itself).
     */
    SignatureKey signatureKey(int node) {
        int chain = above(node);
        if (prefixOf.length < firstStep.length) {
            prefixOf = Arrays.copyOf(prefixOf, firstStep.length);
        }
        if (chain != EMPTY && prefixOf[chain] == UNKNOWN) {
            prefixOf[chain] = prefix(chain, BufferGroups.SIGNATURE_STEPS);
        }
        return new SignatureKey(name(node), chain == EMPTY ? EMPTY : prefixOf[chain], graph.isUnreachable(node));
    }

    record SignatureKey(int name, int chain, boolean unreachable) {
    }

    /** The chain of the first {@code steps} steps of {@code chain}. */
    private int prefix(int chain, int steps) {
        if (steps == 0 || chain == EMPTY) {
            return EMPTY;
        }
        return join(firstStep[chain], prefix(rest[chain], steps - 1)); // recursion bounded by steps
    }

    /** The signature of the node's first {@code depth} steps (all when negative), as reports show it. */
    String signature(int node, int depth) {
        StringBuilder sb = new StringBuilder(display(node)).append(" <- ");
        int taken = 1;
        for (int c = above(node); c != EMPTY && (depth < 0 || taken <= depth); c = rest[c]) {
            sb.append(stepText.get(firstStep[c])).append(" <- ");
            taken++;
        }
        if (graph.isUnreachable(node)) {
            sb.append("(unreachable)");
        }
        return sb.toString();
    }

    /** A key equal for two nodes exactly when their whole signatures are. */
    long fullKey(int node) {
        int chain = graph.isUnreachable(node) ? UNKNOWN : above(node);
        return (long) chain << 32 | (name(node) & 0xFFFFFFFFL);
    }
}
