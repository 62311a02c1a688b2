package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.JsonTree;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input that cannot seek: standard input ({@code -}, plain or gzip) and a FIFO, as {@code analyze <(zcat x.gz)} gives
 * one. Each gives the answer the file gives.
 */
class StreamInputTest {
    private static final Path SAMPLE = Path.of("samples/sqljs-memfs-leak.heapsnapshot.gz");
    private static final long DEADLINE_SECONDS = 120;

    @TempDir
    Path dir;

    /** The metrics and verdict of an analyze --json output. */
    @SuppressWarnings("unchecked")
    private static String answer(String json) throws IOException {
        Map<String, Object> doc = (Map<String, Object>) JsonTree.parse(json);
        return doc.get("metrics") + " " + doc.get("verdict");
    }

    private static String expected() throws IOException {
        Cli file = Cli.run("analyze", SAMPLE.toString(), "--json");
        assertEquals(0, file.exit(), file.toString());
        return answer(file.out());
    }

    /** leakhunt in a process of its own, with {@code input} as its standard input. */
    private static Process leakhunt(Path input, String... args) throws IOException {
        String[] command = new String[4 + args.length];
        command[0] = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        command[1] = "-cp";
        command[2] = System.getProperty("java.class.path");
        command[3] = LeakHunt.class.getName();
        System.arraycopy(args, 0, command, 4, args.length);
        return new ProcessBuilder(command).redirectInput(input.toFile()).start();
    }

    @Test
    void standardInputPlainOrGzipGivesTheFilesAnswer() throws Exception {
        Path plain = dir.resolve("plain.heapsnapshot");
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(SAMPLE))) {
            Files.copy(in, plain);
        }
        String expected = expected();
        for (Path input : new Path[] {plain, SAMPLE}) {
            Process p = leakhunt(input, "analyze", "-", "--json");
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            assertTrue(p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS), "leakhunt analyze - did not finish");
            String stderr = new String(err.get(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), stderr);
            String stdout = new String(out.get(), StandardCharsets.UTF_8);
            assertEquals(expected, answer(stdout), input.toString());
            assertTrue(stdout.contains("\"file\" : \"standard input\""), stdout);
        }
    }

    @Test
    void aFifoIsReadWithoutLosingItsFirstByte() throws Exception {
        Path fifo = dir.resolve("snapshot.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo is not available");
        String expected = expected();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (OutputStream out = Files.newOutputStream(fifo)) { // blocks until the reader opens the FIFO
                Files.copy(SAMPLE, out);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CompletableFuture<Cli> run = CompletableFuture.supplyAsync(() -> Cli.run("analyze", fifo.toString(), "--json"));
        Cli r = run.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        writer.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.toString());
        assertEquals(expected, answer(r.out()));
    }

    @Test
    void topZeroSaysTheGroupsAreNotShownNotThatThereAreNone() {
        Cli r = Cli.run("analyze", SAMPLE.toString(), "--top", "0", "--classes", "0");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("ArrayBuffer backing-store groups: none shown (--top 0), of 85 backing stores"),
                r.out());
        assertTrue(r.out().contains("Classes by retained size: none shown (--classes 0)"), r.out());
        assertTrue(r.out().contains("1  native  50 × ArrayBuffer backing store"), "the top suspect still: " + r.out());
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
