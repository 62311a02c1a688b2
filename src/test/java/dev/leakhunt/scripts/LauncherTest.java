package dev.leakhunt.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/leakhunt run through a symlink from another directory, and on a machine whose Java is missing or too
 * old. A fake java (a script that prints what it was given, beside a JDK-like release file) and a fake mvn stand in,
 * so that nothing is built or started for real.
 */
class LauncherTest {
    private static final Path LAUNCHER = Path.of("scripts/leakhunt").toAbsolutePath();
    private static final List<String> TOOLS = List.of("bash", "dirname", "readlink", "sed", "cut", "find", "awk",
            "stat", "head", "od", "tr", "cat");

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    /** A bin directory with the shell tools the launcher uses, and a fake JDK of {@code version} (null: none). */
    private Path path(String version) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : TOOLS) {
            Process which = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
            String found = new String(which.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            which.waitFor();
            if (found.startsWith("/") && !Files.exists(bin.resolve(tool), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(bin.resolve(tool), Path.of(found));
            }
        }
        if (!Files.exists(bin.resolve("mvn"))) {
            script(bin.resolve("mvn"), "#!/bin/sh\npwd > \"" + dir.resolve("mvn-ran-in") + "\"\n");
        }
        if (version != null) {
            Path jdk = Files.createDirectories(dir.resolve("jdk/bin"));
            Files.writeString(dir.resolve("jdk/release"), "JAVA_VERSION=\"" + version + "\"\n");
            script(jdk.resolve("java"), "#!/bin/sh\necho \"java $*\"\n");
            Files.createSymbolicLink(bin.resolve("java"), jdk.resolve("java"));
        }
        return bin;
    }

    private static void script(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Run run(Path bin, Path launcher, Path cwd, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(bin.resolve("bash").toString(), launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().put("PATH", bin.toString());
        pb.environment().remove("LEAKHUNT_JAR");
        pb.environment().remove("JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out, err);
    }

    @Test
    void throughASymlinkFromAnotherDirectoryItRunsTheCheckoutsJar() throws Exception {
        Path bin = path("17.0.15");
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("home/bin")).resolve("leakhunt"),
                LAUNCHER);
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Run r = run(bin, link, elsewhere, "--version");
        assertEquals(0, r.exit(), r.err());
        Path repo = LAUNCHER.getParent().getParent();
        assertTrue(r.out().startsWith("java -Xmx"), r.out());
        assertTrue(r.out().trim().endsWith(" -jar " + repo.resolve("target/leakhunt.jar") + " --version"), r.out());
        if (Files.exists(dir.resolve("mvn-ran-in"))) { // the jar was missing or older than the sources
            assertEquals(repo.toString(), Files.readString(dir.resolve("mvn-ran-in")).trim(), "built in the checkout");
        }
    }

    @Test
    void aJavaOlderThan17IsSaidInOneLine() throws Exception {
        for (String version : List.of("11.0.2", "1.8.0_292")) {
            Path bin = path(version);
            Run r = run(bin, LAUNCHER, dir, "--version");
            assertEquals(3, r.exit(), r.err());
            String shown = version.startsWith("1.8") ? "1.8.0" : version;
            assertEquals("leakhunt: needs Java 17 or later, and '" + bin.resolve("java") + "' is Java " + shown
                    + " (put a JDK or JRE 17+ first on the PATH)\n", r.err());
            assertEquals("", r.out());
            Files.delete(bin.resolve("java"));
            Files.walk(dir.resolve("jdk")).sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void noJavaAtAllIsSaidInOneLine() throws Exception {
        Run r = run(path(null), LAUNCHER, dir, "--version");
        assertEquals(3, r.exit(), r.err());
        assertEquals("leakhunt: needs Java 17 or later, and there is no 'java' on the PATH (install a JDK or JRE "
                + "17+)\n", r.err());
    }
}
