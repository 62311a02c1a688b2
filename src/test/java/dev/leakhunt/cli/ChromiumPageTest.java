package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.analysis.Analysis;
import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.analysis.BufferGroup;
import dev.leakhunt.analysis.Suspect;
import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.Cli;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot of a real page in headless Chromium (Debian's package; {@code .ci/run} installs it), taken over its
 * DevTools port: a Map of 12 buffers of 3 MiB on {@code window.holders} is one group held by the Map.
 */
class ChromiumPageTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final int BUFFERS = 12;
    private static final long BUFFER_BYTES = 3L << 20;
    private static final long DEADLINE_MILLIS = 60_000;

    @TempDir
    Path dir;

    private static String page(String mode) {
        return "<!doctype html><title>loading</title><script>\n"
                + "window.holders = new Map();\n"
                + "for (let i = 0; i < " + BUFFERS + "; i++) {\n"
                + "  const b = new ArrayBuffer(" + BUFFER_BYTES + "); new Uint8Array(b).fill(1);\n"
                + "  window.holders.set('upload-' + i, b);\n"
                + ("fixed".equals(mode) ? "  window.holders.delete('upload-' + i);\n" : "")
                + "}\n"
                + "document.title = 'ready';\n"
                + "</script>";
    }

    private AnalysisResult snapshotOf(String mode) throws Exception {
        Path html = Files.writeString(dir.resolve(mode + ".html"), page(mode));
        Path profile = Files.createDirectories(dir.resolve("profile-" + mode));
        Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, html.toUri().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(mode + ".log").toFile()).start();
        try {
            int port = devToolsPort(profile);
            waitForTitle(port, "ready");
            Path out = dir.resolve(mode + ".heapsnapshot");
            Cli r = Cli.run("snapshot", "--port", Integer.toString(port), "--no-analyze", "-o", out.toString());
            assertEquals(0, r.exit(), r.toString());
            return Analysis.analyze(HeapGraph.build(new SnapshotReader(out).read()), 5, 5);
        } finally {
            chromium.destroy();
            if (!chromium.waitFor(10, TimeUnit.SECONDS)) {
                chromium.destroyForcibly();
            }
        }
    }

    /** The port Chromium wrote to its profile's DevToolsActivePort, polled with a deadline. */
    private static int devToolsPort(Path profile) throws Exception {
        Path file = profile.resolve("DevToolsActivePort");
        long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (Files.isRegularFile(file)) {
                List<String> lines = Files.readAllLines(file);
                if (!lines.isEmpty() && lines.get(0).matches("\\d+")) {
                    return Integer.parseInt(lines.get(0));
                }
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new AssertionError("chromium wrote no DevToolsActivePort in " + DEADLINE_MILLIS + " ms");
    }

    /** Polls /json/list until a page has the title (the page's script has run). */
    private static void waitForTitle(int port, String title) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
        String last = "";
        while (System.currentTimeMillis() < deadline) {
            try {
                last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (last.contains("\"title\": \"" + title + "\"") || last.contains("\"title\":\"" + title + "\"")) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new AssertionError("no page titled '" + title + "': " + last);
    }

    @Test
    void aMapOfBuffersOnThePageIsOneGroupHeldByTheMap() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is not installed (.ci/run installs it)");
        AnalysisResult leak = snapshotOf("leak");
        BufferGroup g = leak.groups().get(0);
        assertEquals(BUFFERS, g.count(), "one group for the Map, not one per buffer: " + leak.groups());
        assertEquals(BUFFER_BYTES, g.sizeBytes());
        assertEquals("Map", g.holder().name());
        assertEquals("holders", g.chain().get(g.holderStep() + 1).edgeName());
        assertTrue(g.keys().contains("\"upload-0\""), g.keys().toString());
        Suspect top = leak.suspects().get(0);
        assertEquals(BUFFERS, top.count());
        assertEquals(BUFFERS * BUFFER_BYTES, top.bytes());
        assertTrue(leak.verdict().startsWith(BUFFERS + " × ArrayBuffer backing store of one size (3.0 MiB)"),
                leak.verdict());

        AnalysisResult fixed = snapshotOf("fixed");
        assertTrue(fixed.groups().stream().noneMatch(x -> x.maxBytes() == BUFFER_BYTES && x.count() > 1),
                fixed.groups().toString());
        assertTrue(fixed.suspects().stream().noneMatch(x -> x.holder().name().equals("Map")), fixed.suspects().toString());
    }
}
