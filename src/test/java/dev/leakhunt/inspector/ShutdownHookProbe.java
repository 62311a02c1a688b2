package dev.leakhunt.inspector;

/**
 * Run in a child JVM by {@link NodeInspectorTest}: opens a session to the pid given (so SIGUSR1 opens its
 * inspector), prints {@code open <port>} and waits to be interrupted with SIGINT, as a user presses Ctrl-C.
 */
public final class ShutdownHookProbe {
    private ShutdownHookProbe() {
    }

    public static void main(String[] args) throws Exception {
        InspectorSession session = InspectorSession.forPid(Long.parseLong(args[0]),
                InspectorSession.Options.defaults());
        String endpoint = session.endpoint();
        System.out.println("open " + endpoint.substring(endpoint.lastIndexOf(':') + 1));
        System.out.flush();
        Thread.sleep(60_000);
        System.exit(1); // not reached when the test sends SIGINT
    }
}
