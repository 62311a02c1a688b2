package dev.leakhunt.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A sample service from {@code samples/<name>/server.js}, running in its own {@code node} process for the
 * length of a test:
 *
 * <pre>{@code
 * try (NodeSample sample = NodeSample.start("js-heap-leak", "leak", 100, "--inspect-port=0")) {
 *     sample.op(10);
 *     long pid = sample.pid();
 * }
 * }</pre>
 *
 * Node flags go before the script. {@link #start} waits (bounded) for the one-line JSON ready line on stdout;
 * stderr is collected ({@link #stderr()}: "Debugger listening on …" and the like). {@link #close()} kills the
 * process. Tests that need node should first {@code assumeTrue(NodeSample.nodeAvailable())}.
 */
public final class NodeSample implements AutoCloseable {
    private static final long READY_TIMEOUT_MILLIS = 20_000;
    private static final JsonFactory JSON = new JsonFactory();
    private static Boolean nodeAvailable;

    private final Process process;
    private final Map<String, Object> ready;
    private final StringBuffer stderr;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private NodeSample(Process process, Map<String, Object> ready, StringBuffer stderr) {
        this.process = process;
        this.ready = ready;
        this.stderr = stderr;
    }

    /** Whether a {@code node} runs here ({@code node --version} succeeds); asked once. */
    public static synchronized boolean nodeAvailable() {
        if (nodeAvailable == null) {
            try {
                Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                nodeAvailable = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                nodeAvailable = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                nodeAvailable = false;
            }
        }
        return nodeAvailable;
    }

    /** The repository's {@code samples/} folder, found from the working directory upwards. */
    public static Path samplesDir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("samples").resolve("lib"))) {
                return dir.resolve("samples");
            }
        }
        throw new IllegalStateException("no samples/ folder above " + Path.of("").toAbsolutePath());
    }

    /** Starts {@code node [nodeFlags] samples/<name>/server.js --mode <mode> --ops <ops>} and waits until ready. */
    public static NodeSample start(String name, String mode, int ops, String... nodeFlags) throws IOException {
        return startWith(name, List.of(nodeFlags), "--mode", mode, "--ops", Integer.toString(ops));
    }

    /** Starts {@code node [nodeFlags] samples/<name>/server.js [sampleArgs]} and waits until ready. */
    public static NodeSample startWith(String name, List<String> nodeFlags, String... sampleArgs) throws IOException {
        return startWithNode("node", name, nodeFlags, sampleArgs);
    }

    /** As {@link #startWith}, with the Node.js binary {@code node} (another version's). */
    public static NodeSample startWithNode(String node, String name, List<String> nodeFlags, String... sampleArgs)
            throws IOException {
        Path script = samplesDir().resolve(name).resolve("server.js");
        if (!Files.isRegularFile(script)) {
            throw new IOException("no sample " + script);
        }
        List<String> command = new ArrayList<>(List.of(node));
        command.addAll(nodeFlags);
        command.add(script.toString());
        command.addAll(List.of(sampleArgs));
        Process process = new ProcessBuilder(command).directory(script.getParent().toFile()).start();
        StringBuffer stderr = new StringBuffer();
        drain(process.getErrorStream(), line -> stderr.append(line).append('\n'), "stderr");
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        drain(process.getInputStream(), lines::add, "stdout");
        try {
            String line = lines.poll(READY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            Map<String, Object> ready = line == null ? null : parseObject(line);
            if (ready == null || !Boolean.TRUE.equals(ready.get("ready"))) {
                process.destroyForcibly();
                throw new IOException("sample " + name + " not ready within " + READY_TIMEOUT_MILLIS + " ms (stdout "
                        + line + ", stderr " + stderr + ")");
            }
            return new NodeSample(process, ready, stderr);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for sample " + name);
        }
    }

    private static void drain(InputStream stream, java.util.function.Consumer<String> sink, String what) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, "node-sample-" + what);
        thread.setDaemon(true);
        thread.start();
    }

    public long pid() {
        return number("pid");
    }

    /** The HTTP port the sample serves {@code /op} and {@code /memory} on. */
    public int port() {
        return (int) number("port");
    }

    /** The ready line's fields ({@code ready}, {@code pid}, {@code port}, {@code mode}, {@code ops}, …). */
    public Map<String, Object> readyLine() {
        return ready;
    }

    public long number(String field) {
        return ((Number) ready.get(field)).longValue();
    }

    public Process process() {
        return process;
    }

    /** Everything the process wrote to stderr so far. */
    public String stderr() {
        return stderr.toString();
    }

    /** {@code GET /op?n=k}: performs {@code k} operations; returns the answer ({@code ops}: the total). */
    public Map<String, Object> op(int k) throws IOException {
        return get("/op?n=" + k);
    }

    /** {@code GET /memory}: the sample's own {@code process.memoryUsage()}. */
    public Map<String, Object> memory() throws IOException {
        return get("/memory");
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    private Map<String, Object> get(String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .timeout(Duration.ofSeconds(30)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return parseObject(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: GET " + path);
        }
    }

    /** A flat JSON object: strings, longs, doubles, booleans and nulls; nested values are skipped. */
    static Map<String, Object> parseObject(String text) throws IOException {
        Map<String, Object> object = new LinkedHashMap<>();
        try (JsonParser parser = JSON.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (value) {
                    case VALUE_STRING -> object.put(name, parser.getText());
                    case VALUE_NUMBER_INT -> object.put(name, parser.getLongValue());
                    case VALUE_NUMBER_FLOAT -> object.put(name, parser.getDoubleValue());
                    case VALUE_TRUE, VALUE_FALSE -> object.put(name, parser.getBooleanValue());
                    case VALUE_NULL -> object.put(name, null);
                    default -> parser.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonParseException e) {
            return null;
        }
        return object;
    }

    /** Kills the process (SIGKILL) and waits for it to go. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
