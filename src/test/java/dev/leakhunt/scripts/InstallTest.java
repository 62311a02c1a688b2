package dev.leakhunt.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution: scripts/dist packs the launcher, a jar, completion, the installer and the README into
 * leakhunt-VERSION.tar.gz (what mvn package does with the shaded jar); install puts it under a prefix, and the
 * installed leakhunt runs from another directory and through a symlink; installing again upgrades; --uninstall
 * removes it all. The jar here is the compiled classes with the test class path in its manifest: `mvn test` runs
 * before `package`, so the shaded jar may not exist yet.
 */
class InstallTest {
    private static final Path REPO = Path.of("").toAbsolutePath();

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Run run(Path cwd, String... command) throws IOException, InterruptedException {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("LEAKHUNT_JAR");
        pb.environment().put("HOME", dir.resolve("home").toString());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not end: " + String.join(" ", command));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A runnable jar of target/classes whose manifest names the dependencies' jars, as version {@code version}. */
    private Path jar(String version) throws IOException {
        List<String> classPath = new ArrayList<>();
        Path classes = null;
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(File.pathSeparator)) {
            Path p = Path.of(entry).toAbsolutePath();
            if (p.endsWith("target/classes")) {
                classes = p;
            } else if (entry.endsWith(".jar")) {
                classPath.add(p.toUri().toString());
            }
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "dev.leakhunt.cli.LeakHunt");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
        manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
        Path jar = dir.resolve("leakhunt-" + version + ".jar");
        Path root = classes;
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(root.relativize(f).toString().replace(File.separatorChar, '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return jar;
    }

    private Path tarball(String version) throws IOException, InterruptedException {
        Path out = Files.createDirectories(dir.resolve("dist-" + version));
        Run dist = run(REPO, "scripts/dist", "--jar", jar(version).toString(), "--out", out.toString(), "--version",
                version);
        assertEquals(0, dist.exit(), dist.toString());
        Path tarball = out.resolve("leakhunt-" + version + ".tar.gz");
        assertEquals(tarball.toString(), dist.out().trim());
        return tarball;
    }

    @Test
    void theTarballInstallsRunsAnywhereUpgradesAndUninstalls() throws Exception {
        Path tarball = tarball("9.8.7");
        Run list = run(dir, "tar", "tzf", tarball.toString());
        assertEquals(List.of("leakhunt-9.8.7/README.md", "leakhunt-9.8.7/bin/leakhunt", "leakhunt-9.8.7/install",
                "leakhunt-9.8.7/lib/leakhunt.jar", "leakhunt-9.8.7/share/bash-completion/completions/leakhunt"),
                list.out().lines().filter(l -> !l.endsWith("/")).sorted().toList());

        Path prefix = dir.resolve("prefix");
        Run install = run(dir, REPO.resolve("scripts/install").toString(), "--prefix", prefix.toString(),
                tarball.toString());
        assertEquals(0, install.exit(), install.toString());
        assertTrue(install.out().startsWith("install: installed leakhunt 9.8.7 into " + prefix), install.out());
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Run version = run(elsewhere, prefix.resolve("bin/leakhunt").toString(), "--version");
        assertEquals(0, version.exit(), version.toString());
        assertTrue(version.out().startsWith("leakhunt 9.8.7"), version.toString());
        assertEquals("", version.err(), "nothing built: the installed jar is run as it is");
        Path link = dir.resolve("mybin/lh");
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, prefix.resolve("bin/leakhunt"));
        Run ps = run(elsewhere, link.toString(), "ps", "--sample", "0", "--json");
        assertEquals(0, ps.exit(), ps.toString());
        assertTrue(ps.out().contains("\"command\" : \"ps\""), ps.out());
        String completion = Files.readString(prefix.resolve("share/bash-completion/completions/leakhunt"));
        assertTrue(completion.contains("_leakhunt_node_pids"), "completion with live pids");

        // upgrade: the new version replaces the old whole
        Run upgrade = run(dir, prefix.resolve("lib/leakhunt/install").toString(), "--prefix", prefix.toString(),
                tarball("9.8.8").toString());
        assertEquals(0, upgrade.exit(), upgrade.toString());
        assertTrue(run(elsewhere, prefix.resolve("bin/leakhunt").toString(), "--version").out()
                .startsWith("leakhunt 9.8.8"));
        try (Stream<Path> lib = Files.list(prefix.resolve("lib"))) {
            assertEquals(List.of(prefix.resolve("lib/leakhunt")), lib.toList(), "no old copy or staging left");
        }

        Run uninstall = run(dir, REPO.resolve("scripts/install").toString(), "--prefix", prefix.toString(),
                "--uninstall");
        assertEquals(0, uninstall.exit(), uninstall.toString());
        assertFalse(Files.exists(prefix.resolve("bin/leakhunt"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(prefix.resolve("lib/leakhunt")));
        assertFalse(Files.exists(prefix.resolve("share/bash-completion/completions/leakhunt"),
                java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void somethingThatIsNotTheDistributionIsRefused() throws Exception {
        Path bogus = dir.resolve("bogus.tar.gz");
        Files.write(bogus, "not a tarball".getBytes(StandardCharsets.US_ASCII));
        Path prefix = dir.resolve("prefix");
        Run r = run(dir, REPO.resolve("scripts/install").toString(), "--prefix", prefix.toString(), bogus.toString());
        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.err().contains("install: cannot unpack '" + bogus + "'"), r.err());
        assertFalse(Files.exists(prefix.resolve("bin/leakhunt"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        try (Stream<Path> left = Files.list(prefix)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".leakhunt-install"))
                    .toList(), "no staging left");
        }
    }
}
