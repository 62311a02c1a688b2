package dev.leakhunt.inspector;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A DevTools endpoint for faults a real target will not produce: one loopback port serving {@code /json/version}
 * and {@code /json/list} over plain HTTP and a WebSocket (handshake and framing written out here, RFC 6455) on
 * which every command goes to a {@link Script}. The script answers as it likes: whole, in fragments, wrongly,
 * never, or by dropping the connection. Public for the CLI's tests ({@code leakhunt snapshot --port}).
 */
public final class FakeDevTools implements AutoCloseable {

    /** Answers one command; {@code id} and {@code method} are the command's. */
    public interface Script {
        void onCommand(long id, String method, Map<String, Object> params, Connection connection) throws IOException;
    }

    private final ServerSocket server;
    private final Script script;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    public FakeDevTools(Script script) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.script = script;
        this.acceptor = new Thread(this::acceptLoop, "fake-devtools");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                Thread thread = new Thread(() -> serve(socket), "fake-devtools-connection");
                thread.setDaemon(true);
                thread.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            List<String> head = readHead(in);
            if (head.isEmpty()) {
                return;
            }
            String path = head.get(0).split(" ")[1];
            String key = header(head, "sec-websocket-key");
            if (key != null) {
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept(key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                new Connection(socket, in, out).run();
            } else if (path.equals("/json/version")) {
                respond(out, "{\"Browser\": \"node.js/v99.0.0-fake\", \"Protocol-Version\": \"1.1\"}");
            } else if (path.equals("/json/list") || path.equals("/json")) {
                respond(out, "[{\"id\": \"fake-1\", \"type\": \"node\", \"title\": \"fake\", \"url\": \"file:///fake.js\","
                        + " \"webSocketDebuggerUrl\": \"ws://0.0.0.0:1/fake-1\"}]");
            } else {
                out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
            }
        } catch (IOException e) {
            // the client went away, or a script dropped the connection on purpose
        }
    }

    private static void respond(OutputStream out, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: "
                + bytes.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.US_ASCII).strip();
                if (text.isEmpty()) {
                    return lines;
                }
                lines.add(text);
                line.reset();
            } else {
                line.write(b);
            }
        }
        return lines;
    }

    private static String header(List<String> head, String name) {
        for (String line : head) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(
                    (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    private static final int TEXT = 1;
    private static final int CONTINUATION = 0;
    private static final int CLOSE = 8;
    private static final int PING = 9;

    /** The server side of one WebSocket. */
    public final class Connection {

        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        private Connection(Socket socket, InputStream in, OutputStream out) {
            this.socket = socket;
            this.in = new DataInputStream(in);
            this.out = out;
        }

        private void run() throws IOException {
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            while (true) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                boolean fin = (b0 & 0x80) != 0;
                int opcode = b0 & 0x0f;
                long length = b1 & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] mask = new byte[4];
                if ((b1 & 0x80) != 0) {
                    in.readFully(mask);
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i % 4];
                }
                if (opcode == CLOSE) {
                    frame(true, CLOSE, payload);
                    return;
                }
                if (opcode == PING) {
                    frame(true, 10, payload);
                    continue;
                }
                message.write(payload);
                if (fin) {
                    String text = message.toString(StandardCharsets.UTF_8);
                    message.reset();
                    Map<String, Object> command = JsonTree.object(JsonTree.parse(text), "command");
                    Object params = command.get("params");
                    script.onCommand((Long) command.get("id"), (String) command.get("method"),
                            params == null ? Map.of() : JsonTree.object(params, "params"), this);
                }
            }
        }

        /** Sends {@code text} as one message in one frame. */
        public synchronized void send(String text) throws IOException {
            frame(true, TEXT, text.getBytes(StandardCharsets.UTF_8));
        }

        /** Sends {@code text} as one message split into {@code parts} frames (a text frame, then continuations). */
        public synchronized void sendInParts(String text, int parts) throws IOException {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            int step = Math.max(1, (bytes.length + parts - 1) / parts);
            for (int from = 0, n = 0; from < bytes.length; from += step, n++) {
                int to = Math.min(bytes.length, from + step);
                frame(to == bytes.length, n == 0 ? TEXT : CONTINUATION, java.util.Arrays.copyOfRange(bytes, from, to));
            }
        }

        /** Sends a close frame, as a target does when it closes the connection in an orderly way. */
        public synchronized void sendClose() throws IOException {
            frame(true, CLOSE, new byte[] {0x03, (byte) 0xe8});
        }

        /** Drops the TCP connection without a close frame, as a target that dies does. */
        public void drop() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        private void frame(boolean fin, int opcode, byte[] payload) throws IOException {
            ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 10);
            frame.write((fin ? 0x80 : 0) | opcode);
            if (payload.length < 126) {
                frame.write(payload.length);
            } else if (payload.length < 65536) {
                frame.write(126);
                frame.write(payload.length >>> 8);
                frame.write(payload.length & 0xff);
            } else {
                frame.write(127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    frame.write((int) ((long) payload.length >>> shift) & 0xff);
                }
            }
            frame.write(payload);
            out.write(frame.toByteArray());
            out.flush();
        }
    }
}
