package dev.leakhunt.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.ZipException;

/**
 * Reads an input stream on a second thread into a small ring of recycled buffers, so that reading (and gunzipping)
 * overlaps with parsing on the first thread. Errors on the reading thread surface from {@link #next}.
 */
final class ChunkedInput implements ChunkSource {
    private static final int CHUNK_BYTES = 1 << 20;
    private static final int CHUNKS = 4;
    private static final byte[] END = new byte[0];

    private final BlockingQueue<Chunk> filled = new ArrayBlockingQueue<>(CHUNKS + 1);
    private final BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(CHUNKS);
    private final Thread reader;
    private volatile IOException failure;
    private volatile boolean closed;
    private Chunk current;

    ChunkedInput(InputStream in, String threadName) {
        for (int i = 0; i < CHUNKS; i++) {
            free.add(new Chunk(new byte[CHUNK_BYTES + 1]));
        }
        reader = new Thread(() -> pump(in), threadName);
        reader.setDaemon(true);
        reader.start();
    }

    private void pump(InputStream in) {
        try (in) {
            long offset = 0;
            while (!closed) {
                Chunk c = free.take();
                int n = 0;
                while (n < CHUNK_BYTES) {
                    int r = in.read(c.bytes, n, CHUNK_BYTES - n);
                    if (r < 0) {
                        break;
                    }
                    n += r;
                }
                c.length = n;
                c.offset = offset;
                offset += n;
                c.bytes[n] = 0; // the sentinel
                if (n > 0) {
                    filled.put(c);
                }
                if (n < CHUNK_BYTES) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ZipException e) {
            failure = new IOException("corrupt gzip data (" + e.getMessage() + ")", e);
        } catch (java.io.EOFException e) {
            failure = new IOException("truncated gzip data (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new IOException(e.toString(), e);
        } finally {
            Chunk end = new Chunk(END);
            end.length = -1;
            filled.offer(end);
        }
    }

    /** The next filled chunk, or null at the end of the input. The previous chunk returns to the ring. */
    @Override
    public Chunk next() throws IOException {
        if (current != null && current.bytes != END) {
            free.offer(current);
        }
        try {
            current = filled.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading");
        }
        if (current.length < 0) {
            filled.offer(current); // stay at the end for later calls
            if (failure != null) {
                throw failure;
            }
            return null;
        }
        return current;
    }

    @Override
    public void close() {
        closed = true;
        reader.interrupt();
    }

    /** An input stream that counts the bytes it has passed on. */
    static final class Counting extends java.io.FilterInputStream {
        private final AtomicLong count;

        Counting(InputStream in, AtomicLong count) {
            super(in);
            this.count = count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count.addAndGet(n);
            }
            return n;
        }
    }
}
