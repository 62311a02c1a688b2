package dev.leakhunt.snapshot;

/**
 * Turns the numbers of {@code nodes} or {@code edges} into records of the header's field count and stores each
 * complete record into flat arrays, checking every field against its real range before it is narrowed: a number
 * that cannot be stored exactly is an error, never a wrapped value.
 */
abstract class RecordDecoder {
    /** V8's ids, element indexes and hidden indexes are unsigned 32-bit numbers. */
    static final long MAX_UINT32 = 0xFFFF_FFFFL;

    final String what;
    private final long[] record;            // the fields of the record being read
    private int fieldCursor;
    /** The largest string index a stored record named; -1 before any. */
    int maxNameIndex = -1;

    RecordDecoder(String what, int fields) {
        this.what = what;
        this.record = new long[fields];
    }

    /** Takes the next number; small enough for the JIT to inline into the scanner's loop. */
    final void accept(long v) throws SnapshotFormatException {
        record[fieldCursor] = v;
        if (++fieldCursor == record.length) {
            fieldCursor = 0;
            store(record);
        }
    }

    /** Stores one complete record. */
    abstract void store(long[] r) throws SnapshotFormatException;

    /** Records stored so far. */
    abstract int stored();

    /** Records the header announced. */
    abstract int expected();

    /** Checks, at the array's end, that it held exactly the announced records. */
    final void end(String array, String countName) throws SnapshotFormatException {
        int records = stored();
        if (records != expected() || fieldCursor != 0) {
            long numbers = (long) records * record.length + fieldCursor;
            throw corrupt("\"" + array + "\" holds " + numbers + " numbers, but " + countName + " " + expected()
                    + " × " + record.length + " fields needs " + (long) expected() * record.length);
        }
    }

    // error paths of store, kept out of it so that it stays small enough to inline

    final SnapshotFormatException corrupt(String detail) {
        return new SnapshotFormatException("corrupt snapshot " + what + " (" + detail + ")");
    }

    final SnapshotFormatException tooMany(String array, String count, int expected) {
        return corrupt("\"" + array + "\" holds more than " + count + " " + expected + " " + array);
    }

    final SnapshotFormatException badType(String kind, int ordinal, long type, int types) {
        return corrupt(kind + " " + ordinal + " has type " + type + ", beyond the " + types + " " + kind + " types");
    }

    final SnapshotFormatException beyond32Bits(String fault) {
        return corrupt(fault + ", beyond V8's 32 bits");
    }

    /** A string index, which must fit an int (a string table holds fewer than 2^31 strings). */
    final int checkedStringIndex(long v) throws SnapshotFormatException {
        if (v > Integer.MAX_VALUE) {
            throw corrupt("a name refers to string " + v + ", beyond 2^31");
        }
        return (int) v;
    }
}
