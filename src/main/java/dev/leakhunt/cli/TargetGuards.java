package dev.leakhunt.cli;

import dev.leakhunt.inspector.InspectorSession;
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

    InspectorSession.Options apply(InspectorSession.Options options) {
        return options.withAssumeNode(assumeNode).withAllowPublicInspector(allowPublicInspector);
    }
}
