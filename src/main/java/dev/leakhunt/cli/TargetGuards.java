package dev.leakhunt.cli;

import dev.leakhunt.inspector.Headroom;
import dev.leakhunt.inspector.InspectorSession;
import dev.leakhunt.inspector.MemoryUsage;
import java.io.IOException;
import picocli.CommandLine.Option;

/**
 * The options that lift a guard on a target reached by pid, for the commands that open its inspector ({@code
 * snapshot}, {@code watch}, {@code diff --pid}). Without them leakhunt signals only what is Node.js by its
 * executable, and opens an inspector on loopback only.
 */
final class TargetGuards {
    @Option(names = "--assume-node", description = "Take the pid for Node.js though its executable is not named "
            + "node (a renamed binary, an Electron app); SIGUSR1 ends a process that is not, so be sure.")
    boolean assumeNode;

    @Option(names = "--allow-public-inspector", description = "Let SIGUSR1 open the inspector of a target started "
            + "with a non-loopback --inspect-port (e.g. 0.0.0.0:0): anyone who reaches that address can run code "
            + "in the process while it is open.")
    boolean allowPublicInspector;

    @Option(names = "--force", description = "Take the snapshot even when the target's cgroup or the machine "
            + "seems to lack the memory V8 needs to build it (about its JS heap in use again), at the risk of an "
            + "OOM kill.")
    boolean force;

    /** Refuses, unless --force, a snapshot of {@code pid} that may not fit beside it; returns the figures. */
    Headroom checkHeadroom(long pid, MemoryUsage usage) throws IOException {
        Headroom headroom = Headroom.of(pid);
        if (!force && usage != null) {
            headroom.check(pid, usage.heapUsed());
        }
        return headroom;
    }

    InspectorSession.Options apply(InspectorSession.Options options) {
        return options.withAssumeNode(assumeNode).withAllowPublicInspector(allowPublicInspector);
    }
}
