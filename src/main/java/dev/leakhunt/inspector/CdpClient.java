package dev.leakhunt.inspector;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One Chrome DevTools Protocol connection over a {@link WebSocket}.
 *
 * <p>Commands carry increasing ids; each waits on its own future, completed by the reply with that id (its
 * {@code result} as a JSON tree, or a {@link CdpException} for its {@code error}). Events go to the handlers
 * registered for their method, on the WebSocket's receiving thread, one at a time and in order. When the socket
 * closes or drops, or sends something that is not JSON, every pending command fails with an {@link IOException}
 * saying so, and so does every later one.
 *
 * <p>A text message may arrive in several parts; they are assembled in one reused {@code char[]} and decoded from
 * there, so that the large {@code HeapProfiler.addHeapSnapshotChunk} events can be streamed out with
 * {@link CdpEvent#writeStringParam} without further copies.
 */
final class CdpClient implements AutoCloseable {
    private static final int INITIAL_BUFFER_CHARS = 64 * 1024;
    private static final int KEPT_BUFFER_CHARS = 4 * 1024 * 1024;
    private static final long CLOSE_WAIT_MILLIS = 1000;

    private record Pending(String method, CompletableFuture<Map<String, Object>> reply) {
    }

    /** A handler registration; closing it removes the handler. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private final String description;
    private final long sendTimeoutMillis;
    private final AtomicLong lastId = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, List<Consumer<CdpEvent>>> handlers = new ConcurrentHashMap<>();
    private final CompletableFuture<IOException> closed = new CompletableFuture<>();
    private final Object sendLock = new Object();
    private volatile IOException failure;
    private volatile long lastMessageNanos = System.nanoTime();
    private WebSocket socket;

    private CdpClient(String description, long sendTimeoutMillis) {
        this.description = description;
        this.sendTimeoutMillis = sendTimeoutMillis;
    }

    /**
     * Opens the WebSocket at {@code url}. {@code description} names the other end in messages, e.g.
     * {@code the inspector of pid 1234 at 127.0.0.1:9229}.
     */
    static CdpClient connect(HttpClient http, URI url, String description, long timeoutMillis) throws IOException {
        CdpClient client = new CdpClient(description, timeoutMillis);
        try {
            client.socket = http.newWebSocketBuilder()
                    .connectTimeout(Duration.ofMillis(timeoutMillis))
                    .buildAsync(url, client.new Receiver())
                    .get(timeoutMillis + 500, TimeUnit.MILLISECONDS);
            return client;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException("cannot connect to " + description + " (" + url + "): " + reason(cause), cause);
        } catch (TimeoutException e) {
            throw new IOException("cannot connect to " + description + " (" + url + "): no answer within "
                    + Text.duration(timeoutMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted connecting to " + description);
        }
    }

    String description() {
        return description;
    }

    /** Sends a command and waits at most {@code timeoutMillis} for its reply; returns the reply's result. */
    Map<String, Object> call(String method, Map<String, ?> params, long timeoutMillis) throws IOException {
        return await(method, send(method, params), timeoutMillis);
    }

    /**
     * Sends a command without waiting for its reply. The future completes with the result, or with an
     * {@link IOException}; it has no timeout of its own.
     */
    CompletableFuture<Map<String, Object>> send(String method, Map<String, ?> params) throws IOException {
        long id = lastId.incrementAndGet();
        Pending request = new Pending(method, new CompletableFuture<>());
        pending.put(id, request);
        IOException gone = failure; // read after put: failAll() either sees our entry or we see its failure
        if (gone != null) {
            pending.remove(id);
            throw gone;
        }
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("method", method);
        if (params != null && !params.isEmpty()) {
            message.put("params", params);
        }
        try {
            synchronized (sendLock) { // a WebSocket allows one outstanding send at a time
                socket.sendText(JsonTree.toJson(message), true).get(sendTimeoutMillis, TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            pending.remove(id);
            IOException now = failure;
            throw now != null ? now : new IOException("cannot send " + method + " to " + description + ": "
                    + (e instanceof TimeoutException ? "timed out" : reason(e.getCause())));
        } catch (InterruptedException e) {
            pending.remove(id);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted sending " + method + " to " + description);
        }
        return request.reply;
    }

    /** The replies still awaited (a heap snapshot being built or written keeps the target's thread busy). */
    List<CompletableFuture<Map<String, Object>>> pendingReplies() {
        return pending.values().stream().map(Pending::reply).toList();
    }

    /** Waits for a future returned by {@link #send}, translating its failure into an {@link IOException}. */
    Map<String, Object> await(String method, CompletableFuture<Map<String, Object>> reply, long timeoutMillis)
            throws IOException {
        try {
            return reply.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw asIOException(e.getCause());
        } catch (TimeoutException e) {
            pending.values().removeIf(p -> p.reply == reply);
            throw new IOException("no reply to " + method + " from " + description + " within "
                    + Text.duration(timeoutMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + method + " from " + description);
        }
    }

    /** Calls {@code handler} for every event named {@code method} until the subscription is closed. */
    Subscription on(String method, Consumer<CdpEvent> handler) {
        handlers.computeIfAbsent(method, m -> new CopyOnWriteArrayList<>()).add(handler);
        return () -> handlers.getOrDefault(method, List.of()).remove(handler);
    }

    boolean isOpen() {
        return failure == null;
    }

    /** Why the connection ended, or null while it is open. */
    IOException failure() {
        return failure;
    }

    /** {@link System#nanoTime()} when the last message (reply or event, or a part of one) arrived. */
    long lastMessageNanos() {
        return lastMessageNanos;
    }

    /** Waits until the other end closes the connection; true if it did within {@code timeoutMillis}. */
    boolean awaitClosed(long timeoutMillis) {
        try {
            closed.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return closed.isDone();
        }
    }

    @Override
    public void close() {
        if (failure == null) {
            try {
                synchronized (sendLock) {
                    socket.sendClose(WebSocket.NORMAL_CLOSURE, "");
                }
                awaitClosed(CLOSE_WAIT_MILLIS);
            } catch (RuntimeException e) {
                // The socket is going anyway; abort() below releases it.
            }
        }
        failAll(new IOException("connection to " + description + " is closed"));
        socket.abort();
    }

    private void failAll(IOException reason) {
        synchronized (pending) {
            if (failure == null) {
                failure = reason;
            }
        }
        for (Long id : List.copyOf(pending.keySet())) {
            Pending request = pending.remove(id);
            if (request != null) {
                request.reply.completeExceptionally(failure);
            }
        }
        closed.complete(failure);
    }

    private static IOException asIOException(Throwable cause) {
        return cause instanceof IOException io ? io : new IOException(reason(cause), cause);
    }

    private static String reason(Throwable cause) {
        if (cause instanceof java.net.http.WebSocketHandshakeException handshake) {
            return "websocket handshake refused (http " + handshake.getResponse().statusCode() + ")";
        }
        if (cause instanceof java.net.ConnectException) {
            return "connection refused";
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : Text.lower(message);
    }

    // Dispatch of one complete message; runs on the receiving thread.
    private void dispatch(char[] buf, int length) {
        CdpMessage message;
        try {
            message = CdpMessage.scan(buf, length);
        } catch (IOException e) {
            String excerpt = new String(buf, 0, Math.min(length, 60)).replaceAll("\\s+", " ");
            failAll(new IOException("malformed message from " + description + " (" + Text.lower(e.getMessage())
                    + "): '" + excerpt + (length > 60 ? "...'" : "'")));
            socket.abort();
            return;
        }
        if (message.id() != null) {
            Pending request = pending.remove(message.id());
            if (request != null) {
                complete(request, message, buf, length);
            }
        } else if (message.method() != null) {
            List<Consumer<CdpEvent>> list = handlers.get(message.method());
            if (list != null && !list.isEmpty()) {
                CdpEvent event = new CdpEvent(message.method(), buf, message.bodyStart(), length);
                for (Consumer<CdpEvent> handler : list) {
                    handler.accept(event);
                }
            }
        }
    }

    private void complete(Pending request, CdpMessage message, char[] buf, int length) {
        try {
            if (message.isError()) {
                Map<String, Object> error = message.body(buf, length, "error of " + request.method);
                long code = error.get("code") instanceof Long l ? l : 0;
                String text = error.get("message") instanceof String s ? s : JsonTree.abbreviate(error);
                request.reply.completeExceptionally(new CdpException(request.method + " failed at " + description
                        + ": " + Text.lower(text) + " (code " + code + ")", code));
            } else if (message.bodyStart() >= 0) {
                request.reply.complete(message.body(buf, length, "result of " + request.method));
            } else {
                throw new IOException("no \"result\" or \"error\"");
            }
        } catch (IOException e) {
            request.reply.completeExceptionally(new IOException("malformed reply to " + request.method + " from "
                    + description + ": " + Text.lower(e.getMessage())));
        }
    }

    /** Assembles text messages from their parts; the JDK calls it on one thread at a time. */
    private final class Receiver implements WebSocket.Listener {
        private char[] buf = new char[INITIAL_BUFFER_CHARS];
        private int length;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            lastMessageNanos = System.nanoTime();
            append(data);
            if (last) {
                try {
                    dispatch(buf, length);
                } catch (RuntimeException e) {
                    failAll(new IOException("internal error handling a message from " + description + ": " + e, e));
                }
                length = 0;
                if (buf.length > KEPT_BUFFER_CHARS) {
                    buf = new char[INITIAL_BUFFER_CHARS];
                }
            }
            webSocket.request(1);
            return null;
        }

        private void append(CharSequence data) {
            int n = data.length();
            if (length + n > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, length + n));
            }
            if (data instanceof CharBuffer chars) {
                chars.duplicate().get(buf, length, n);
            } else if (data instanceof String s) {
                s.getChars(0, n, buf, length);
            } else {
                for (int i = 0; i < n; i++) {
                    buf[length + i] = data.charAt(i);
                }
            }
            length += n;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            failAll(new IOException(description + " closed the connection"
                    + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")")));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            failAll(new IOException("connection to " + description + " dropped: " + reason(error), error));
        }
    }
}
