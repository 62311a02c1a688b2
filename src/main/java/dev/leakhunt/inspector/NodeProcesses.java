package dev.leakhunt.inspector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Node.js processes on this machine, as {@code leakhunt ps} lists them: every process whose executable is
 * Node's (as {@code snapshot} decides: {@code /proc/<pid>/exe}, or {@code argv[0]} when that is unreadable),
 * containers' too, read from {@code /proc} alone: no signal, no inspector.
 */
public final class NodeProcesses {
    /** Docker's, containerd's, CRI-O's and Podman's container ids in cgroup paths: 64 hex digits. */
    private static final Pattern CONTAINER_ID = Pattern.compile("(?:docker|crio|cri-containerd|libpod|containerd)?"
            + "[-/:]?([0-9a-f]{64})");

    /**
     * One process: its pid and parent, start time (with the pid, names one process), command, RSS, the memory
     * limit of its cgroup (-1: none), its cgroup path and container id (short, or null), and its pid inside its own
     * pid namespace (its own pid when it has none).
     */
    public record Info(long pid, long ppid, long startTicks, String command, long rssBytes, long limitBytes,
                       String cgroup, String container, long innerPid) {
    }

    private final ProcFs proc;

    private NodeProcesses(ProcFs proc) {
        this.proc = proc;
    }

    public static NodeProcesses system() {
        return new NodeProcesses(ProcFs.SYSTEM);
    }

    /** The Node.js processes now, by pid; processes that exit meanwhile or may not be read are left out. */
    public List<Info> list() throws IOException {
        List<Info> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc.dir(1).getParent())) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                Info info = info(Long.parseLong(name));
                if (info != null) {
                    out.add(info);
                }
            }
        }
        out.sort((a, b) -> Long.compare(a.pid(), b.pid()));
        return out;
    }

    private Info info(long pid) {
        try {
            String exe;
            try {
                exe = proc.exe(pid);
            } catch (IOException e) {
                exe = null;
            }
            List<String> argv = proc.cmdline(pid);
            if (argv.isEmpty() || !NodeProcess.isNodeName(exe != null ? exe : argv.get(0))) {
                return null; // kernel threads have no command line
            }
            long rss = rss(pid);
            if (rss < 0) {
                return null; // a zombie
            }
            String cgroup = cgroup(pid);
            long ppid = Long.parseLong(String.valueOf(proc.status(pid, "PPid")).trim());
            return new Info(pid, ppid, proc.startTicks(pid), Text.command(argv).replaceAll("^'|'$", ""), rss, Headroom.of(pid).limitBytes(),
                    cgroup, containerOf(cgroup), proc.innermostPid(pid));
        } catch (IOException | RuntimeException e) {
            return null; // gone, or not ours to read
        }
    }

    /** The process's RSS now, or -1 when it has exited (or its pid names another process: {@code startTicks}). */
    public long rss(long pid, long startTicks) {
        try {
            return proc.startTicks(pid) == startTicks ? rss(pid) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private long rss(long pid) throws IOException {
        String v = proc.status(pid, "VmRSS");
        return v == null ? -1 : ProcessMemory.kibLine("VmRSS:" + v);
    }

    /**
     * The cgroup path that names a container, if one does; else the memory controller's (v1), else the unified
     * hierarchy's ({@code 0::/…}), else the first; or "".
     */
    private String cgroup(long pid) {
        try {
            String first = null;
            String memory = null;
            String unified = null;
            for (String line : Files.readAllLines(proc.dir(pid).resolve("cgroup"), StandardCharsets.UTF_8)) {
                String[] f = line.split(":", 3);
                if (f.length < 3) {
                    continue;
                }
                if (containerOf(f[2]) != null) {
                    return f[2];
                }
                if (f[0].equals("0") && f[1].isEmpty()) {
                    unified = f[2];
                } else if (List.of(f[1].split(",")).contains("memory")) {
                    memory = f[2];
                }
                first = first == null ? f[2] : first;
            }
            return memory != null ? memory : unified != null ? unified : first == null ? "" : first;
        } catch (IOException e) {
            return "";
        }
    }

    /** The container id (12 digits, as {@code docker ps} shows it) in a cgroup path, or null. */
    static String containerOf(String cgroup) {
        Matcher m = CONTAINER_ID.matcher(cgroup);
        String id = null;
        while (m.find()) {
            id = m.group(1); // the innermost
        }
        return id == null ? null : id.substring(0, 12);
    }
}
