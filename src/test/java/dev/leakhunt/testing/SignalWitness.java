package dev.leakhunt.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A process that is not Node.js ({@code sleep}) and keeps every signal it is sent: SIGUSR1, SIGTERM and SIGHUP are
 * blocked before it starts, so one that was sent stays pending where /proc shows it. "Not signalled" is then a
 * fact read at once, not something seen after a sleep.
 */
public final class SignalWitness implements AutoCloseable {
    /** Bit numbers of the signals kept (Linux: USR1 10, TERM 15, HUP 1). */
    private static final Map<String, Integer> SIGNALS = Map.of("USR1", 10, "TERM", 15, "HUP", 1);

    private final Process process;

    private SignalWitness(Process process) {
        this.process = process;
    }

    public static SignalWitness start() throws IOException {
        Process p = new ProcessBuilder("python3", "-c", "import os, signal, sys;"
                + " signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM, signal.SIGHUP});"
                + " sys.stdout.write('ready\\n'); sys.stdout.flush(); os.execvp('sleep', ['sleep', '120'])").start();
        byte[] ready = p.getInputStream().readNBytes(6);
        if (!new String(ready).equals("ready\n")) {
            p.destroyForcibly();
            throw new IOException("the witness did not start (python3 needed)");
        }
        SignalWitness w = new SignalWitness(p);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!w.isSleep() && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // until exec has replaced python with sleep
        }
        if (!w.isSleep()) {
            p.destroyForcibly();
            throw new IOException("the witness did not become sleep");
        }
        return w;
    }

    private boolean isSleep() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + process.pid() + "/exe")).toString().endsWith("/sleep");
        } catch (IOException e) {
            return false;
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Whether signal {@code name} (USR1, TERM or HUP) was sent to it: it is pending, as it is blocked. */
    public boolean received(String name) throws IOException {
        long bit = 1L << (SIGNALS.get(name) - 1);
        long pending = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("ShdPnd:") || line.startsWith("SigPnd:")) {
                pending |= Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        }
        return (pending & bit) != 0;
    }

    /** Whether it was sent none of the signals it keeps. */
    public boolean untouched() throws IOException {
        return process.isAlive() && !received("USR1") && !received("TERM") && !received("HUP");
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
