package dev.leakhunt.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** Reading what a process under test writes: its lines as they come, and a JSON document by pointer. */
public final class Streams {
    private Streams() {
    }

    /** Lines queued as they come; {@link #awaitEnd} waits until the stream has ended and all are queued. */
    public static final class Lines extends LinkedBlockingQueue<String> {
        private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);

        /** Waits (bounded) until the stream has ended; returns this, every line then queued. */
        public Lines awaitEnd(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
            if (!ended.await(timeout, unit)) {
                throw new AssertionError("the stream did not end within " + timeout + " " + unit);
            }
            return this;
        }
    }

    /** The lines of {@code stream}, queued as they come by a daemon thread, for polling with a deadline. */
    public static Lines lines(InputStream stream) {
        Lines lines = new Lines();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process is gone
            } finally {
                lines.ended.countDown();
            }
        }, "test-lines");
        t.setDaemon(true);
        t.start();
        return lines;
    }

    /** Every scalar of a JSON document by its JSON pointer ({@code /diff/mode}), as text ({@code null} for null). */
    public static Map<String, String> pointers(String json) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t.isScalarValue()) {
                    out.put(p.getParsingContext().pathAsPointer().toString(), p.getValueAsString("null"));
                }
            }
        }
        return out;
    }
}
