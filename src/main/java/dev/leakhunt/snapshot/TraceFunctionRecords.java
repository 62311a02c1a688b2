package dev.leakhunt.snapshot;

import java.util.Arrays;

/**
 * Decodes {@code trace_function_infos} (fields by {@code meta.trace_function_info_fields}): each function's name and
 * script name (string indexes) and its 1-based line and column. There must be {@code trace_function_count}.
 */
final class TraceFunctionRecords extends RecordDecoder {
    private final int nameAt;
    private final int scriptAt;
    private final int lineAt;
    private final int columnAt;
    private final long expected;
    int[] name = new int[256];
    int[] script = new int[256];
    int[] line = new int[256];
    int[] column = new int[256];
    int size;

    TraceFunctionRecords(SnapshotMeta meta, String what) throws SnapshotFormatException {
        super(what, meta.traceFunctionInfoFields().size());
        if (meta.traceFunctionCount() > Integer.MAX_VALUE - 8) {
            throw corrupt("trace_function_count " + meta.traceFunctionCount() + " is beyond 2^31");
        }
        nameAt = meta.traceFunctionInfoFields().indexOf("name");
        scriptAt = meta.traceFunctionInfoFields().indexOf("script_name");
        lineAt = meta.traceFunctionInfoFields().indexOf("line");
        columnAt = meta.traceFunctionInfoFields().indexOf("column");
        expected = meta.traceFunctionCount();
    }

    @Override
    void store(long[] r) throws SnapshotFormatException {
        if (size >= expected) {
            throw tooMany("trace_function_infos", "trace_function_count", (int) expected);
        }
        if (size == name.length) {
            int grown = size + (size >> 1);
            name = Arrays.copyOf(name, grown);
            script = Arrays.copyOf(script, grown);
            line = Arrays.copyOf(line, grown);
            column = Arrays.copyOf(column, grown);
        }
        int n = checkedStringIndex(r[nameAt]);
        int sc = checkedStringIndex(r[scriptAt]);
        maxNameIndex = Math.max(maxNameIndex, Math.max(n, sc));
        if (r[lineAt] > Integer.MAX_VALUE || r[columnAt] > Integer.MAX_VALUE) {
            throw corrupt("trace function " + size + " has a line or column beyond 2^31");
        }
        name[size] = n;
        script[size] = sc;
        line[size] = (int) r[lineAt];
        column[size] = (int) r[columnAt];
        size++;
    }

    @Override
    int stored() {
        return size;
    }

    @Override
    int expected() {
        return (int) expected;
    }
}
