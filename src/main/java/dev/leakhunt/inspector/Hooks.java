package dev.leakhunt.inspector;

/** JVM shutdown hooks that clean up after us on Ctrl-C; adding or removing one during shutdown is a no-op. */
final class Hooks {
    private Hooks() {
    }

    static void add(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already: the caller's own cleanup runs next
        }
    }

    static void remove(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook is running, or will
        }
    }
}
