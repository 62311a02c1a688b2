package dev.leakhunt.testing;

import dev.leakhunt.cli.LeakHunt;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs a leakhunt command line in-process and keeps what it printed. */
public record Cli(int exit, String out, String err) {

    public static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = LeakHunt.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(exit, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
