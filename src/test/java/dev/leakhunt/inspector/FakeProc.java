package dev.leakhunt.inspector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code /proc} tree in a temporary folder, with just the files {@link ProcFs} reads. Pids above the kernel's
 * {@code pid_max} keep a mistaken signal from reaching a real process.
 */
final class FakeProc {
    /** Above Linux's largest {@code pid_max} (2^22). */
    static final long PID = 999_000_001;
    static final String SIGCGT_NODE = "0000000100004602"; // what Node 20 catches: SIGINT, SIGUSR1, SIGSEGV, SIGTERM…

    private final Path root;

    FakeProc(Path root) {
        this.root = root;
    }

    ProcFs procFs() {
        return new ProcFs(root);
    }

    /** Adds a sleeping process with the given executable, command line and caught-signal mask. */
    FakeProc process(long pid, String exe, List<String> argv, String sigCgt) throws IOException {
        return process(pid, exe, argv, "S (sleeping)", sigCgt, "0000000000000000");
    }

    FakeProc process(long pid, String exe, List<String> argv, String state, String sigCgt, String sigIgn)
            throws IOException {
        Path dir = Files.createDirectories(root.resolve(Long.toString(pid)));
        Files.createDirectories(dir.resolve("fd"));
        Files.createDirectories(dir.resolve("net"));
        if (exe != null) {
            Files.createSymbolicLink(dir.resolve("exe"), Path.of(exe));
        }
        Files.write(dir.resolve("cmdline"), (String.join("\0", argv) + "\0").getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("status"), "Name:\tx\nState:\t" + state + "\nUid:\t1000\t1000\t1000\t1000\n"
                + "SigIgn:\t" + sigIgn + "\nSigCgt:\t" + sigCgt + "\n");
        Files.writeString(dir.resolve("stat"), pid + " (a b) " + state.charAt(0)
                + " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 12345 0 0\n");
        tcp(pid, "", "");
        return this;
    }

    /** Gives {@code pid} an open socket with {@code inode}. */
    FakeProc socket(long pid, int fd, long inode) throws IOException {
        Files.createSymbolicLink(root.resolve(pid + "/fd/" + fd), Path.of("socket:[" + inode + "]"));
        return this;
    }

    /** Writes {@code /proc/<pid>/net/tcp} and {@code tcp6} with the given rows after the header. */
    FakeProc tcp(long pid, String tcpRows, String tcp6Rows) throws IOException {
        String header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout"
                + " inode\n";
        Files.writeString(root.resolve(pid + "/net/tcp"), header + tcpRows);
        Files.writeString(root.resolve(pid + "/net/tcp6"), header + tcp6Rows);
        return this;
    }

    /** A LISTEN row of {@code /proc/net/tcp} for {@code 127.0.0.1:port} (0100007F, little-endian). */
    static String listenRow(String hexAddress, int port, long inode) {
        return String.format("   0: %s:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0"
                + " %d 1 0000000000000000 100 0 0 10 0%n", hexAddress, port, inode);
    }
}
