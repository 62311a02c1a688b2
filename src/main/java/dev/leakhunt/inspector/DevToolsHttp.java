package dev.leakhunt.inspector;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The HTTP side of a DevTools endpoint: {@code GET /json/version} and {@code GET /json/list}. */
final class DevToolsHttp {
    private final HttpClient http;
    private final long timeoutMillis;

    DevToolsHttp(HttpClient http, long timeoutMillis) {
        this.http = http;
        this.timeoutMillis = timeoutMillis;
    }

    /** An HTTP/1.1 client: the JDK's default would offer an h2c upgrade, which the inspector does not expect. */
    static HttpClient newClient(long connectTimeoutMillis) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(connectTimeoutMillis))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    HttpClient client() {
        return http;
    }

    /**
     * Asks {@code endpoint} for {@code /json/version} and completes with its {@code Browser} field
     * ({@code node.js/v20.11.1}, {@code Chrome/131.0…}), or with null when it does not answer as a DevTools
     * endpoint: any port may be probed, so every failure means "not an inspector".
     */
    CompletableFuture<String> probe(Endpoint endpoint, long timeoutMillis) {
        HttpRequest request = HttpRequest.newBuilder(endpoint.http("/json/version"))
                .timeout(Duration.ofMillis(timeoutMillis)).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> {
                    try {
                        if (response.statusCode() != 200) {
                            return null;
                        }
                        Object body = JsonTree.parse(response.body());
                        return body instanceof Map<?, ?> map && map.get("Browser") instanceof String browser
                                ? browser : null;
                    } catch (IOException e) {
                        return null;
                    }
                })
                .exceptionally(e -> null);
    }

    /** {@code true} if {@code browser} (the {@code Browser} of {@code /json/version}) is a Node.js inspector. */
    static boolean isNode(String browser) {
        return browser != null && browser.toLowerCase(java.util.Locale.ROOT).startsWith("node.js/");
    }

    /** The targets of {@code /json/list}. */
    List<InspectorTarget> list(Endpoint endpoint) throws IOException {
        URI uri = endpoint.http("/json/list");
        String body = getString(uri, endpoint);
        Object json;
        try {
            json = JsonTree.parse(body);
        } catch (IOException e) {
            json = null;
        }
        if (!(json instanceof List<?> entries)) {
            throw new IOException("unexpected answer from " + uri + ": " + JsonTree.abbreviate(body));
        }
        List<InspectorTarget> targets = new ArrayList<>();
        for (Object entry : entries) {
            Map<String, Object> target = JsonTree.object(entry, "an entry of " + uri);
            String ws = target.get("webSocketDebuggerUrl") instanceof String s ? s : null;
            targets.add(new InspectorTarget(str(target, "id"), str(target, "type"), str(target, "title"),
                    str(target, "url"), ws == null ? null : URI.create(ws)));
        }
        return targets;
    }

    private static String str(Map<String, Object> object, String key) {
        return object.get(key) instanceof String s ? s : "";
    }

    private String getString(URI uri, Endpoint endpoint) throws IOException {
        HttpResponse<String> response;
        try {
            response = http.send(get(uri), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IOException("nothing listens at " + endpoint + " (connection refused)");
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IOException("no answer from " + endpoint + " within " + Text.duration(timeoutMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking " + endpoint + " for its targets");
        } catch (IOException e) {
            throw new IOException("no DevTools endpoint at " + endpoint + ": " + Text.lower(e.getMessage()), e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("no DevTools endpoint at " + endpoint + ": GET " + uri.getPath()
                    + " answered http " + response.statusCode());
        }
        return response.body();
    }

    private HttpRequest get(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(timeoutMillis)).GET().build();
    }
}
