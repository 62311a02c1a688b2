package dev.leakhunt.inspector;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The Linux namespaces a process runs in that are not ours, as a container gives its processes: its own pid
 * namespace (it has another pid there, often 1), network namespace (its inspector listens on a loopback we cannot
 * reach), or mount namespace (its {@code /tmp} is not ours).
 *
 * @param pid     the pid in our namespace
 * @param innerPid its pid in its own pid namespace (equal to {@code pid} when it shares ours)
 * @param ownNet  whether it has a network namespace of its own
 * @param ownMnt  whether it has a mount namespace of its own
 */
public record Namespaces(long pid, long innerPid, boolean ownNet, boolean ownMnt) {
    /** The environment variable that marks a leakhunt run inside a target's network namespace: the target's pid. */
    public static final String INSIDE_ENV = "LEAKHUNT_NETNS";

    /** The namespaces of process {@code pid}; as ours when they cannot be read. */
    public static Namespaces of(long pid) throws IOException {
        return of(ProcFs.SYSTEM, pid);
    }

    static Namespaces of(ProcFs proc, long pid) throws IOException {
        return new Namespaces(pid, proc.exists(pid) ? proc.innermostPid(pid) : pid, !proc.sharesNamespace(pid, "net"),
                !proc.sharesNamespace(pid, "mnt"));
    }

    public boolean ownPid() {
        return innerPid != pid;
    }

    /** Whether the process runs in any namespace of its own. */
    public boolean any() {
        return ownPid() || ownNet || ownMnt;
    }

    /** The file that names its network namespace, for {@code nsenter --net=…}. */
    public String netFile() {
        return "/proc/" + pid + "/ns/net";
    }

    /** {@code its own pid namespace (pid 1 there), network namespace and mount namespace}; empty when none. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (ownPid()) {
            parts.add("pid namespace (pid " + innerPid + " there)");
        }
        if (ownNet) {
            parts.add("network namespace");
        }
        if (ownMnt) {
            parts.add("mount namespace");
        }
        if (parts.isEmpty()) {
            return "";
        }
        String last = parts.remove(parts.size() - 1);
        return "its own " + (parts.isEmpty() ? last : String.join(", ", parts) + " and " + last);
    }
}
