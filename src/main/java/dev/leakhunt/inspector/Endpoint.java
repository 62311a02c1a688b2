package dev.leakhunt.inspector;

import java.net.URI;

/** A host and port where a DevTools HTTP endpoint ({@code /json/...}) may answer. */
record Endpoint(String host, int port) {
    static final String LOOPBACK = "127.0.0.1";

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
