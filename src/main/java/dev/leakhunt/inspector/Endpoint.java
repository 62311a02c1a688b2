package dev.leakhunt.inspector;

import java.net.URI;

/** A host and port where a DevTools HTTP endpoint ({@code /json/...}) may answer. */
record Endpoint(String host, int port) {
    static final String LOOPBACK = "127.0.0.1";

    /** Whether {@code address} is a loopback address (127.0.0.0/8, ::1, localhost), reachable from this machine only. */
    static boolean isLoopback(String address) {
        String a = address.toLowerCase(java.util.Locale.ROOT);
        return a.startsWith("127.") || a.equals("::1") || a.equals("localhost") || a.startsWith("::ffff:127.");
    }

    /** {@code 127.0.0.1:9229}, or {@code [::1]:9229} for an IPv6 address. */
    String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    URI http(String path) {
        return URI.create("http://" + authority() + path);
    }

    /**
     * The target's WebSocket URL with its host and port replaced by ours, as Chrome does: the target may report
     * {@code 0.0.0.0} or a name that resolves elsewhere, while we know where we reached it.
     */
    URI webSocket(InspectorTarget target) {
        return URI.create("ws://" + authority() + target.webSocketUrl().getRawPath());
    }

    @Override
    public String toString() {
        return authority();
    }
}
