package dev.leakhunt.inspector;

import java.io.IOException;

/**
 * Run by {@link NodeInspectorTest} in a child JVM as an unprivileged user: tries the pid given and prints the
 * one-line message it fails with.
 */
public final class PermissionProbe {
    private PermissionProbe() {
    }

    public static void main(String[] args) {
        try (InspectorSession session = InspectorSession.forPid(Long.parseLong(args[0]),
                InspectorSession.Options.defaults().withOpenTimeoutMillis(2000))) {
            System.out.println("connected to " + session.endpoint());
        } catch (IOException e) {
            System.out.println(e.getMessage());
        }
    }
}
