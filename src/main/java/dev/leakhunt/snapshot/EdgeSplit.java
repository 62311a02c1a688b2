package dev.leakhunt.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Shares the parse of a plain snapshot file's {@code edges} array between the reader's thread and a second one.
 * The edges are about 60% of a V8 snapshot's bytes and parsing them is CPU-bound, so two cores finish them in
 * about half the time.
 *
 * <p>The second thread first <b>locates</b> the work: it reads the file from the start without decoding numbers
 * (only bytes that are quotes, brackets or braces matter, and it looks at eight bytes at a time), finds the
 * top-level {@code edges} array and its end, and counts the commas in each block of it. It cuts the array into
 * segments, each beginning right after a comma that ends an edge record; in valid JSON the commas before a segment
 * are the index of its first number. Then both threads <b>claim</b> segments: the reader's thread from the front,
 * going on as it streams, and the second thread from the back, so they meet wherever their speeds make them meet.
 *
 * <p>Before its first segment the second thread also follows the structure on from the edges to the top-level
 * {@code strings} array, which V8 writes last, and reads it into a table of its own; the reader's thread takes it
 * when the edges are done and goes on after it, passing over what lies between (the trace tree, samples and
 * locations, which no analysis reads). So the strings, a tenth of the file, are parsed beside the nodes, not after
 * everything.
 *
 * <p>The segments are only a guess until the reader's thread confirms them: it must start {@code edges} at the same
 * offset and, after exactly a segment's first-number count, stand at that segment's offset, having checked every
 * byte before it; the second thread checks the same at the end of each of its segments. Any disagreement (a
 * malformed file, an unusual layout) cancels the second thread, waits for it to stop, and the reader's thread parses
 * the rest itself, so the split never changes what is read, only how fast.
 */
final class EdgeSplit implements AutoCloseable {
    /**
     * Segment i of the edges begins at {@code offsets[i]} with number {@code firstNumbers[i]}; segment 0 at the
     * offset after the array's '['.
     */
    record Plan(long[] offsets, long[] firstNumbers) {
        int segments() {
            return offsets.length;
        }
    }

    /**
     * What the second thread read: how many segments, the offset just after the edges' ']', and the largest string
     * index its edges named.
     */
    record Tail(int segments, long endOffset, int maxNameIndex) {
    }

    /** The {@code strings} array the second thread read: the offsets just after its '[' and just after its ']'. */
    record Strings(StringTable table, long startOffset, long endOffset) {
    }

    static final int BLOCK_BYTES = 4 << 20;
    private static final int NOT_NUMBERS = -2;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long LOW_7_BITS = 0x7F7F7F7F7F7F7F7FL;
    private static final long BYTES_0X40 = 0xC0C0C0C0C0C0C0C0L;  // bytes >= 0x40: [ ] { } letters, non-ASCII
    private static final long QUOTES = 0x2222222222222222L;
    private static final long COMMAS = 0x2C2C2C2C2C2C2C2CL;
    private static final byte[] EDGES_KEY = {'e', 'd', 'g', 'e', 's'};
    private static final byte[] STRINGS_KEY = {'s', 't', 'r', 'i', 'n', 'g', 's'};

    private final Path file;
    private final int blockBytes;
    private final Thread thread;
    private final CompletableFuture<SnapshotReader> owner = new CompletableFuture<>();
    private final CompletableFuture<Plan> plan = new CompletableFuture<>();
    private final CompletableFuture<Tail> tail = new CompletableFuture<>();
    private final CompletableFuture<Strings> strings = new CompletableFuture<>();
    private volatile boolean cancelled;
    private int frontClaimed = 1;           // segments [0, frontClaimed) are the reader's thread's
    private int backClaimed;                // segments [backClaimed, segments) are this thread's
    private boolean tookLast;

    // locate state: the JSON structure up to the edges array, then the commas in it
    private final ByteBuffer block;
    private int depth;
    private boolean inString;
    private boolean escaped;
    private byte[] key = EDGES_KEY;         // the top-level key whose array the scan looks for
    private int keyLength;                  // bytes of the current depth-1 string so far; -1 once it is not the key
    private boolean lastKeyMatches;
    private long edgesEnd;                  // the offset of the edges' ']
    private long commas;

    private EdgeSplit(Path file, int blockBytes) {
        this.file = file;
        this.blockBytes = blockBytes;
        this.block = ByteBuffer.allocateDirect(blockBytes + Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        this.thread = new Thread(this::run, "leakhunt-edges");
        this.thread.setDaemon(true);
    }

    /** Starts the second thread; {@code blockBytes} is the size of a segment (tests use tiny ones). */
    static EdgeSplit start(Path file, int blockBytes) {
        EdgeSplit split = new EdgeSplit(file, blockBytes);
        split.thread.start();
        return split;
    }

    /** Called by the reader's thread once the header is read and the arrays exist. */
    void arraysReady(SnapshotReader reader) {
        owner.complete(reader);
    }

    /** The plan, waiting for the locate step; null when there is none (the edges are parsed serially). */
    Plan plan() {
        return valueOrNull(plan);
    }

    /** The future's value once it has one; null when it failed, was cancelled, or the wait was interrupted. */
    private static <T> T valueOrNull(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | CancellationException e) {
            return null;
        }
    }

    /** The reader's thread takes segment {@code segment} if the second thread has not; false when it has. */
    synchronized boolean claimFront(int segment) {
        if (segment >= backClaimed) {
            return false;
        }
        frontClaimed = segment + 1;
        return true;
    }

    /** The second thread takes the last segment nobody has; -1 when none is left. */
    private synchronized int claimBack(int segments) {
        int next = backClaimed - 1;
        if (next < frontClaimed) {
            return -1;
        }
        backClaimed = next;
        return next;
    }

    /**
     * The second thread's result, once it has parsed every segment it claimed. A format or read error it met is
     * thrown here; null when it stopped for another reason (the caller then reads the rest itself).
     */
    Tail tail() throws IOException {
        try {
            return tail.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            return null;
        } catch (CancellationException e) {
            return null;
        }
    }

    /** Stops the second thread and waits for it, so that nothing writes to the arrays afterwards. */
    @Override
    public void close() {
        cancelled = true;
        owner.cancel(false);
        boolean interrupted = false;
        for (;;) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    boolean cancelled() {
        return cancelled;
    }

    private void run() {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Plan p;
            try {
                p = locate(channel);
            } catch (IOException | RuntimeException | InterruptedException | ExecutionException e) {
                p = null;
            }
            plan.complete(p);
            if (p == null || cancelled) {
                tail.completeExceptionally(new CancellationException());
                return;
            }
            SnapshotReader reader = owner.get();
            strings.complete(stringsAhead(channel, reader));
            tail.complete(reader.readEdgeSegments(p, this));
        } catch (IOException e) {
            tail.completeExceptionally(e);
        } catch (RuntimeException | InterruptedException | ExecutionException e) {
            tail.completeExceptionally(new CancellationException(e.toString()));
        } finally {
            plan.complete(null); // no-ops where they completed above
            strings.complete(null);
        }
    }

    /**
     * Reads the top-level {@code strings} array ahead of the reader's thread. Null when there is no such array
     * after the edges, or it cannot be read here: the reader's thread then reads on from the edges itself, and
     * meets the same error if there is one.
     */
    private Strings stringsAhead(FileChannel channel, SnapshotReader reader) {
        try {
            long start = findStringsArray(channel, edgesEnd + 1);
            return start < 0 ? null : reader.readStringsAhead(start, this);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The strings the second thread read, once it has begun its edge segments; null when it has none. */
    Strings strings() {
        return valueOrNull(strings);
    }

    /**
     * The segments this thread parses, last first: each call claims one; -1 when none is left. The last segment is
     * this thread's from the start, so that it always takes part.
     */
    int nextSegment(Plan p) {
        if (cancelled) {
            return -1;
        }
        if (!tookLast) {
            tookLast = true;
            return p.segments() - 1;
        }
        return claimBack(p.segments());
    }

    // ---- locate -------------------------------------------------------------------------------------------

    /** Scans to the top-level edges array and through it, then cuts it into segments; null when it cannot. */
    private Plan locate(FileChannel channel) throws IOException, InterruptedException, ExecutionException {
        long edgesStart = -1;
        long offset = 0;
        int from = 0;
        int length = read(channel, offset, blockBytes);
        while (edgesStart < 0) {
            if (cancelled || length <= 0) {
                return null;
            }
            int at = findArray(from, length);
            if (at >= 0) {
                edgesStart = offset + at;
                from = at;
            } else {
                offset += length;
                from = 0;
                length = read(channel, offset, blockBytes);
            }
        }
        // commasBefore[i]: the commas in the edges before blockOffsets[i], the start of a block or of the edges
        long[] blockOffsets = new long[16];
        long[] commasBefore = new long[16];
        int blocks = 0;
        commas = 0;
        long edgesEnd = -1;
        while (edgesEnd < 0) {
            if (cancelled || length <= 0) {
                return null;
            }
            if (blocks == blockOffsets.length) {
                blockOffsets = Arrays.copyOf(blockOffsets, blocks * 2);
                commasBefore = Arrays.copyOf(commasBefore, blocks * 2);
            }
            blockOffsets[blocks] = offset + from;
            commasBefore[blocks] = commas;
            blocks++;
            int end = countCommas(from, length);
            if (end == NOT_NUMBERS) {
                return null;
            }
            if (end >= 0) {
                edgesEnd = offset + end;
            } else {
                offset += length;
                from = 0;
                length = read(channel, offset, blockBytes);
            }
        }
        this.edgesEnd = edgesEnd;
        int edgeFields = owner.get().edgeFieldCount();
        Plan segments = segments(channel, blockOffsets, commasBefore, blocks, edgesEnd, edgeFields);
        if (segments == null || segments.segments() < 2) {
            return null;
        }
        synchronized (this) {
            backClaimed = segments.segments() - 1;
        }
        return segments;
    }

    /**
     * Follows the JSON structure from {@code from}, just after the edges' ']', to the top-level "strings" array:
     * the offset just after its '[', or -1 when the top-level object ends first.
     */
    private long findStringsArray(FileChannel channel, long from) throws IOException {
        key = STRINGS_KEY;
        lastKeyMatches = false;
        inString = false;
        escaped = false;
        depth = 1;
        for (long offset = from; !cancelled; ) {
            int length = read(channel, offset, blockBytes);
            if (length <= 0) {
                return -1;
            }
            int at = findArray(0, length);
            if (at >= 0) {
                return offset + at;
            }
            if (depth < 1) {
                return -1;
            }
            offset += length;
        }
        return -1;
    }

    /** Moves each block start on to the next record boundary: the first comma after which commas % fields = 0. */
    private Plan segments(FileChannel channel, long[] blockOffsets, long[] commasBefore, int blocks, long edgesEnd,
                          int edgeFields) throws IOException {
        long[] offsets = new long[blocks];
        long[] firsts = new long[blocks];
        offsets[0] = blockOffsets[0];
        int segments = 1;
        for (int b = 1; b < blocks; b++) {
            long at = blockOffsets[b];
            long count = commasBefore[b];
            while (at < edgesEnd) {
                int length = (int) Math.min(read(channel, at, Math.min(256, blockBytes)), edgesEnd - at);
                if (length <= 0) {
                    return null;
                }
                int i = 0;
                while (i < length && !(block.get(i) == ',' && ++count % edgeFields == 0)) {
                    i++;
                }
                if (i < length) {
                    at += i + 1; // just after the comma
                    break;
                }
                at += length;
            }
            if (at < edgesEnd && at > offsets[segments - 1]) {
                offsets[segments] = at;
                firsts[segments] = count;
                segments++;
            }
        }
        return new Plan(Arrays.copyOf(offsets, segments), Arrays.copyOf(firsts, segments));
    }

    /** Reads up to {@code bytes} at {@code offset}; the eight bytes after them are zero. Returns how many, 0 at the end. */
    private int read(FileChannel channel, long offset, int bytes) throws IOException {
        block.clear().limit(bytes);
        while (block.hasRemaining()) {
            if (channel.read(block, offset + block.position()) < 0) {
                break;
            }
        }
        int length = block.position();
        block.clear();
        block.putLong(length, 0);
        return length;
    }

    /**
     * Follows the JSON structure through block[from, length) and returns the index just after the '[' of the
     * top-level value whose key is {@link #key}, or -1 when the block ends first (the state carries over to the
     * next block).
     */
    private int findArray(int from, int length) {
        ByteBuffer b = block;
        int p = from;
        while (p < length) {
            if (inString) {
                int c = b.get(p++);
                if (escaped) {
                    escaped = false;
                    keyLength = -1;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                    if (depth == 1) {
                        lastKeyMatches = keyLength == key.length;
                    }
                } else if (depth == 1 && keyLength >= 0) {
                    keyLength = keyLength < key.length && c == key[keyLength] ? keyLength + 1 : -1;
                }
                continue;
            }
            // outside strings, skip eight bytes at a time while none is a quote or at least 0x40 (brackets, braces)
            while (p + Long.BYTES <= length) {
                long w = b.getLong(p);
                if (((w & BYTES_0X40) | zeroBytes(w ^ QUOTES)) != 0) {
                    break;
                }
                p += Long.BYTES;
            }
            if (p >= length) {
                break;
            }
            int c = b.get(p++);
            switch (c) {
                case '"' -> {
                    inString = true;
                    keyLength = 0;
                }
                case '{' -> depth++;
                case '[' -> {
                    if (depth == 1 && lastKeyMatches) {
                        return p;
                    }
                    depth++;
                }
                case '}', ']' -> depth--;
                default -> {
                }
            }
        }
        return -1;
    }

    /**
     * Adds the commas in block[from, length) up to the ']' that ends the numbers to {@link #commas}: returns the
     * index of that ']', -1 if the block has none, or NOT_NUMBERS if a byte of 0x40 or more (a letter, a brace)
     * comes first. Quotes go unnoticed here; the threads that parse reject them.
     */
    private int countCommas(int from, int length) {
        ByteBuffer b = block;
        int p = from;
        long n = 0;
        for (;;) {
            while (p + Long.BYTES <= length) {
                long w = b.getLong(p);
                if ((w & BYTES_0X40) != 0) {
                    break;
                }
                n += Long.bitCount(zeroBytes(w ^ COMMAS));
                p += Long.BYTES;
            }
            int stop = Math.min(p + Long.BYTES, length);
            for (; p < stop; p++) {
                int c = b.get(p);
                if (c == ',') {
                    n++;
                } else if (c == ']') {
                    commas += n;
                    return p;
                } else if ((c & 0xC0) != 0) {
                    return NOT_NUMBERS;
                }
            }
            if (p >= length) {
                commas += n;
                return -1;
            }
        }
    }

    /** 0x80 in exactly the bytes of w that are zero (no false positives from borrows). */
    private static long zeroBytes(long w) {
        return ~(((w & LOW_7_BITS) + LOW_7_BITS) | w | LOW_7_BITS) & HIGH_BITS;
    }
}
