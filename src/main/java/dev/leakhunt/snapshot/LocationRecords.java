package dev.leakhunt.snapshot;

import java.util.Arrays;

/**
 * Decodes {@code locations} (fields by {@code meta.location_fields}) into {@link Locations}: the object's node field
 * index must name a node, and the script id, line and column must be whole numbers an int holds. Only closures'
 * are kept: V8 also writes one for every object made by a function (its constructor's position), millions in a big
 * heap, and an object's is found through its prototype's constructor, a closure (see the describer).
 */
final class LocationRecords extends RecordDecoder {
    private final int objectAt;
    private final int scriptAt;
    private final int lineAt;
    private final int columnAt;
    private final int nodes;
    private final int nodeFields;
    private final long reciprocal;
    private final byte[] nodeType;          // null when the nodes are not read yet: then every location is kept
    private final int closureType;
    private int[] node = new int[1024];
    private int[] script = new int[1024];
    private int[] line = new int[1024];
    private int[] column = new int[1024];
    private int size;

    LocationRecords(SnapshotMeta meta, String what, byte[] nodeType) {
        super(what, meta.locationFields().size());
        objectAt = meta.locationFields().indexOf("object_index");
        scriptAt = meta.locationFields().indexOf("script_id");
        lineAt = meta.locationFields().indexOf("line");
        columnAt = meta.locationFields().indexOf("column");
        nodes = (int) meta.nodeCount();
        nodeFields = meta.nodeFieldCount();
        reciprocal = EdgeRecords.reciprocal(nodeFields);
        this.nodeType = nodeType;
        this.closureType = meta.nodeTypes().indexOf("closure");
    }

    @Override
    void store(long[] r) throws SnapshotFormatException {
        long ordinal = EdgeRecords.ordinalOf(r[objectAt], nodeFields, reciprocal);
        if (ordinal < 0 || ordinal >= nodes) {
            throw corrupt("location " + size + " names node field index " + r[objectAt] + ", not one of the " + nodes
                    + " nodes");
        }
        if (r[scriptAt] > Integer.MAX_VALUE || r[lineAt] > Integer.MAX_VALUE || r[columnAt] > Integer.MAX_VALUE) {
            throw corrupt("location " + size + " has a script id, line or column beyond 2^31");
        }
        if (nodeType != null && nodeType[(int) ordinal] != closureType) {
            return; // checked, not kept
        }
        if (size == node.length) {
            int grown = size + (size >> 1);
            node = Arrays.copyOf(node, grown);
            script = Arrays.copyOf(script, grown);
            line = Arrays.copyOf(line, grown);
            column = Arrays.copyOf(column, grown);
        }
        node[size] = (int) ordinal;
        script[size] = (int) r[scriptAt];
        line[size] = (int) r[lineAt];
        column[size] = (int) r[columnAt];
        size++;
    }

    Locations locations() {
        return new Locations(node, script, line, column, size);
    }

    @Override
    int stored() {
        return size;
    }

    @Override
    int expected() {
        return size; // as many as there are: only a record cut short is wrong
    }
}
