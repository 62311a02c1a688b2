package dev.leakhunt.inspector;

import java.io.IOException;
import java.net.http.HttpClient;
import java.util.List;
import java.util.stream.Collectors;

/** Which entry of {@code /json/list} to connect to, and the connecting. */
final class TargetChoice {
    private TargetChoice() {
    }

    /**
     * The target with id {@code targetId} if given; else the first Node.js target ({@code "node"}), else the
     * first page (a Chromium started with {@code --remote-debugging-port}).
     */
    static InspectorTarget pick(List<InspectorTarget> targets, String targetId, Endpoint endpoint)
            throws IOException {
        if (targets.isEmpty()) {
            throw new IOException("the inspector at " + endpoint + " offers no targets");
        }
        for (InspectorTarget target : targets) {
            if (targetId != null ? target.id().equals(targetId) : target.type().equals("node")) {
                return target;
            }
        }
        if (targetId == null) {
            for (InspectorTarget target : targets) {
                if (target.type().equals("page")) {
                    return target;
                }
            }
        }
        String offered = targets.stream().limit(5)
                .map(t -> t.id() + " (" + t.type() + " '" + t.title() + "')")
                .collect(Collectors.joining(", "));
        throw new IOException((targetId != null ? "no target '" + targetId + "'" : "no node or page target")
                + " at " + endpoint + "; it offers " + offered + (targets.size() > 5 ? ", ..." : ""));
    }

    /** Lists the targets at {@code endpoint}, picks one as {@link #pick} does and opens its WebSocket. */
    static CdpClient connect(DevToolsHttp http, Endpoint endpoint, String targetId, String description,
                             long timeoutMillis) throws IOException {
        InspectorTarget target = pick(http.list(endpoint), targetId, endpoint);
        if (target.webSocketUrl() == null) {
            throw new IOException("target '" + target.id() + "' at " + endpoint + " offers no WebSocket URL (is"
                    + " another debugger attached to it?)");
        }
        HttpClient client = http.client();
        return CdpClient.connect(client, endpoint.webSocket(target), description, timeoutMillis);
    }
}
