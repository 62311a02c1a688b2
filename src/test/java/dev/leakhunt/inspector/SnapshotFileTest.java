package dev.leakhunt.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFileTest {
    @TempDir
    Path dir;

    private static String permissions(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    /** Writes the text of a JSON string literal (given without its quotes) to the file. */
    private static void literal(SnapshotFile file, String json) throws IOException {
        char[] buf = ("\"" + json + "\"").toCharArray();
        file.text().write(buf, 0, buf.length);
    }

    @Test
    void writesToPartThenRenamesOwnerOnly() throws IOException {
        Path out = dir.resolve("a.heapsnapshot");
        Path part = dir.resolve("a.heapsnapshot.part");
        Files.writeString(part, "stale");
        Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.writeString(out, "an older snapshot");

        SnapshotFile file = SnapshotFile.create(out, false);
        assertEquals("rw-------", permissions(part), "a fresh .part, not the stale one");
        literal(file, "{\\\"snapshot\\\":{}}");
        assertEquals("an older snapshot", Files.readString(out), "the old file stays until the new one is whole");
        assertEquals(15, file.commit());
        assertEquals("{\"snapshot\":{}}", Files.readString(out));
        assertEquals("rw-------", permissions(out));
        assertFalse(Files.exists(part));
    }

    @Test
    void abortDeletesThePart() throws IOException {
        Path out = dir.resolve("b.heapsnapshot");
        SnapshotFile file = SnapshotFile.create(out, true);
        literal(file, "{");
        file.abort();
        file.abort();
        assertFalse(Files.exists(dir.resolve("b.heapsnapshot.part")));
        assertFalse(Files.exists(out));
    }

    @Test
    void unusableTargetsAreSaidPlainly() throws IOException {
        Path missing = dir.resolve("no/such/dir/c.heapsnapshot");
        assertEquals("cannot create '" + missing + ".part': no such directory '" + missing.getParent() + "'",
                assertThrows(IOException.class, () -> SnapshotFile.create(missing, false)).getMessage());
        assertEquals("cannot write the heap snapshot to '" + dir + "': it is a directory",
                assertThrows(IOException.class, () -> SnapshotFile.create(dir, false)).getMessage());
    }

    @Test
    void fullDiskIsNamed() throws IOException {
        Path out = dir.resolve("d.heapsnapshot");
        SnapshotFile file = SnapshotFile.create(out, false, raw -> new java.io.FilterOutputStream(raw) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("No space left on device");
            }
        });
        IOException e = assertThrows(IOException.class, () -> {
            literal(file, "x".repeat(600_000));
            file.text().flush();
        });
        assertEquals("no space left on device for the heap snapshot '" + out + "' (deleted the partial"
                + " 'd.heapsnapshot.part')", file.describe(e).getMessage());
        assertTrue(Files.exists(dir.resolve("d.heapsnapshot.part")));
        file.abort();
        assertFalse(Files.exists(dir.resolve("d.heapsnapshot.part")));
    }
}
