package dev.leakhunt.inspector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What leakhunt reads from {@code /proc}: a process's executable, command line, status and open sockets, and the
 * listening TCP sockets of its network namespace. The root is a parameter so that tests can build a fake tree.
 * Methods throw {@link AccessDeniedException} and {@link NoSuchFileException} as the files do; callers turn them
 * into messages.
 */
final class ProcFs {
    static final ProcFs SYSTEM = new ProcFs(Path.of("/proc"));

    private final Path root;

    ProcFs(Path root) {
        this.root = root;
    }

    /**
     * The directory of the process's cgroup in the unified (v2) hierarchy ({@code v1Controller} null), from the
     * {@code 0::/path} line of {@code /proc/<pid>/cgroup}, or in the v1 hierarchy of that controller; null when it
     * is not mounted here. The hierarchies are found in our {@code mountinfo}, so a hybrid layout (v1 controllers,
     * v2 under {@code /sys/fs/cgroup/unified}) works as a pure one does.
     */
    Path cgroupDir(long pid, String v1Controller) {
        try {
            String path = null;
            for (String line : Files.readAllLines(dir(pid).resolve("cgroup"), StandardCharsets.UTF_8)) {
                String[] f = line.split(":", 3);
                if (f.length == 3 && (v1Controller == null ? f[0].equals("0") && f[1].isEmpty()
                        : List.of(f[1].split(",")).contains(v1Controller))) {
                    path = f[2];
                }
            }
            if (path == null) {
                return null;
            }
            for (String line : Files.readAllLines(root.resolve("self").resolve("mountinfo"), StandardCharsets.UTF_8)) {
                // id parent major:minor root mount-point options [optional…] - type source super-options
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (dash < 0 || dash + 1 >= f.length) {
                    continue;
                }
                String type = f[dash + 1];
                boolean match = v1Controller == null ? type.equals("cgroup2") : type.equals("cgroup")
                        && dash + 3 < f.length && List.of(f[dash + 3].split(",")).contains(v1Controller);
                if (!match) {
                    continue;
                }
                String mountRoot = f[3];
                String relative = mountRoot.equals("/") ? path : path.startsWith(mountRoot)
                        ? path.substring(mountRoot.length()) : null;
                if (relative != null) {
                    Path d = Path.of(f[4]).resolve(relative.replaceFirst("^/+", ""));
                    if (Files.isDirectory(d)) {
                        return d;
                    }
                }
            }
        } catch (IOException e) {
            // no cgroup or mountinfo file: not Linux, or gone
        }
        return null;
    }

    /** Whether the process's cgroup is frozen (v2 {@code cgroup.events: frozen 1}, v1 freezer {@code FROZEN}). */
    boolean frozen(long pid) {
        try {
            Path v2 = cgroupDir(pid, null);
            if (v2 != null && Files.isRegularFile(v2.resolve("cgroup.events"))) {
                return Files.readAllLines(v2.resolve("cgroup.events")).contains("frozen 1");
            }
            Path v1 = cgroupDir(pid, "freezer");
            return v1 != null && Files.isRegularFile(v1.resolve("freezer.state"))
                    && Files.readString(v1.resolve("freezer.state")).trim().equals("FROZEN");
        } catch (IOException e) {
            return false;
        }
    }

    Path dir(long pid) {
        return root.resolve(Long.toString(pid));
    }

    boolean exists(long pid) {
        return pid > 0 && Files.isDirectory(dir(pid));
    }

    /** The target of {@code /proc/<pid>/exe}, e.g. {@code /usr/bin/node}. */
    String exe(long pid) throws IOException {
        return Files.readSymbolicLink(dir(pid).resolve("exe")).toString();
    }

    /**
     * Whether the process sees the file system this process sees: the same mount namespace, and its
     * {@code /proc/<pid>/root} and ours are the same directory. False too when that cannot be read.
     */
    boolean sharesRoot(long pid) {
        if (!sharesNamespace(pid, "mnt")) {
            return false; // the same root directory may hold other mounts (a private /tmp)
        }
        try {
            return Files.isSameFile(dir(pid).resolve("root"), root.resolve("self").resolve("root"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether the process is in this process's namespace of {@code kind} ({@code net}, {@code mnt}, {@code pid}):
     * its {@code /proc/<pid>/ns/<kind>} link names the same namespace as ours. True when either cannot be read
     * (another user's process, or a kernel without namespaces): nothing says otherwise.
     */
    boolean sharesNamespace(long pid, String kind) {
        try {
            return Files.readSymbolicLink(dir(pid).resolve("ns").resolve(kind))
                    .equals(Files.readSymbolicLink(root.resolve("self").resolve("ns").resolve(kind)));
        } catch (IOException | UnsupportedOperationException e) {
            return true;
        }
    }

    /**
     * The process's pid in its own, innermost pid namespace: the last number of the {@code NSpid:} line of its
     * status (a container's main process is often pid 1 there); {@code pid} itself without that line.
     */
    long innermostPid(long pid) throws IOException {
        String nsPids = status(pid, "NSpid");
        if (nsPids == null || nsPids.isBlank()) {
            return pid;
        }
        String[] ids = nsPids.trim().split("\\s+");
        return Long.parseLong(ids[ids.length - 1]);
    }

    /**
     * Whether the process can write a file this process creates owner-only: its file-system uid (the last of the
     * {@code Uid:} line of {@code /proc/<pid>/status}) is ours, or root's. False when that cannot be read.
     */
    boolean canWriteOurFiles(long pid) {
        try {
            String theirs = fileSystemUid(dir(pid));
            return theirs != null && (theirs.equals("0") || theirs.equals(fileSystemUid(root.resolve("self"))));
        } catch (IOException e) {
            return false;
        }
    }

    private static String fileSystemUid(Path processDir) throws IOException {
        String uids = statusValue(processDir, "Uid");
        if (uids == null) {
            return null;
        }
        String[] ids = uids.split("\\s+");
        return ids[ids.length - 1];
    }

    /** The arguments of {@code /proc/<pid>/cmdline}; empty for a kernel thread. */
    List<String> cmdline(long pid) throws IOException {
        return splitNul(read(dir(pid).resolve("cmdline")));
    }

    /** The value of one variable of {@code /proc/<pid>/environ}, or null if unset or unreadable. */
    String environ(long pid, String name) {
        try {
            for (String entry : splitNul(read(dir(pid).resolve("environ")))) {
                if (entry.startsWith(name + "=")) {
                    return entry.substring(name.length() + 1);
                }
            }
        } catch (IOException e) {
            // Another user's environment is private: the caller goes by the command line alone.
        }
        return null;
    }

    /** The value of one line of {@code /proc/<pid>/status} ({@code State}, {@code SigCgt}, …), or null. */
    String status(long pid, String key) throws IOException {
        return statusValue(dir(pid), key);
    }

    private static String statusValue(Path processDir, String key) throws IOException {
        for (String line : Files.readAllLines(processDir.resolve("status"), StandardCharsets.UTF_8)) {
            if (line.startsWith(key + ":")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        return null;
    }

    /**
     * The process's start time in clock ticks since boot (field 22 of {@code /proc/<pid>/stat}): with the pid, it
     * names one process, where a pid alone may be reused.
     */
    long startTicks(long pid) throws IOException {
        String stat = new String(read(dir(pid).resolve("stat")), StandardCharsets.UTF_8);
        // The command (field 2) is in parentheses and may contain spaces: count fields after its last ')'.
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(rest[22 - 3]);
    }

    /**
     * The CPU time the process has used, user and system (fields 14 and 15 of {@code /proc/<pid>/stat}, in clock
     * ticks of 1/100 s, the USER_HZ of every Linux), in milliseconds; -1 when it cannot be read.
     */
    long cpuMillis(long pid) {
        try {
            String stat = new String(read(dir(pid).resolve("stat")), StandardCharsets.UTF_8);
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return (Long.parseLong(rest[14 - 3]) + Long.parseLong(rest[15 - 3])) * 10;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The inodes of the sockets the process holds open ({@code socket:[N]} links in {@code /proc/<pid>/fd}). */
    Set<Long> socketInodes(long pid) throws IOException {
        Set<Long> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir(pid).resolve("fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (NoSuchFileException e) {
                    continue; // closed while we looked
                }
                if (target.startsWith("socket:[") && target.endsWith("]")) {
                    inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                }
            }
        }
        return inodes;
    }

    /** All LISTEN sockets of the network namespace that {@code pid} lives in, IPv4 and IPv6. */
    List<ListeningSocket> listeningInNamespaceOf(long pid) throws IOException {
        List<ListeningSocket> sockets = new ArrayList<>();
        for (String table : new String[] {"tcp", "tcp6"}) {
            List<String> rows;
            try {
                rows = Files.readAllLines(dir(pid).resolve("net").resolve(table), StandardCharsets.US_ASCII);
            } catch (NoSuchFileException e) {
                if (table.equals("tcp6")) {
                    continue; // a kernel without IPv6
                }
                throw e;
            }
            for (String row : rows) {
                ListeningSocket socket = ListeningSocket.parseRow(row);
                if (socket != null) {
                    sockets.add(socket);
                }
            }
        }
        return sockets;
    }

    /** The LISTEN sockets that {@code pid} itself holds, in the order of the kernel's tables. */
    List<ListeningSocket> listeningOf(long pid) throws IOException {
        Set<Long> inodes = socketInodes(pid);
        List<ListeningSocket> own = new ArrayList<>();
        for (ListeningSocket socket : listeningInNamespaceOf(pid)) {
            if (inodes.contains(socket.inode())) {
                own.add(socket);
            }
        }
        return own;
    }

    /**
     * The lowest pid that holds one of the socket {@code inodes}, or -1 if none we may look at does (another
     * user's {@code /proc/<pid>/fd} is unreadable unless we are root).
     */
    long ownerOf(Set<Long> inodes) {
        if (inodes.isEmpty()) {
            return -1;
        }
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, "[0-9]*")) {
            for (Path entry : entries) {
                pids.add(Long.parseLong(entry.getFileName().toString()));
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        pids.sort(null);
        for (long pid : pids) {
            try {
                for (long inode : socketInodes(pid)) {
                    if (inodes.contains(inode)) {
                        return pid;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // not ours to read, or gone: look at the next
            }
        }
        return -1;
    }

    /**
     * Reads a whole {@code /proc} file by streaming it: {@code /proc} reports a size of 0, and with that
     * {@link Files#readAllBytes} reads one byte and then asks at offset 1, where some files (sysctls such as
     * {@code /proc/sys/kernel/pid_max}) answer end-of-file.
     */
    private static byte[] read(Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return in.readAllBytes();
        }
    }

    private static List<String> splitNul(byte[] bytes) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                parts.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < bytes.length) {
            parts.add(new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8));
        }
        return parts;
    }
}
