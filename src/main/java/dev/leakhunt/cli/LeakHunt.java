package dev.leakhunt.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.OutputStreamWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The entry point. The only place that calls {@code System.exit}; every command returns its exit code or throws,
 * and {@link ExitCodes#of} decides what a throw means.
 */
@Command(name = "leakhunt",
        mixinStandardHelpOptions = true,
        versionProvider = LeakHunt.Version.class,
        description = "Finds native-memory leaks in running Node.js processes from their heap snapshots.",
        subcommands = {
                AnalyzeCommand.class,
                DiffCommand.class,
                ExploreCommand.class,
                SnapshotCommand.class,
                WatchCommand.class,
                CommandLine.HelpCommand.class,
                picocli.AutoComplete.GenerateCompletion.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                " 0:success",
                " 1:an assertion (--fail-if) held",
                " 2:usage error",
                " 3:bad input or unreachable target",
                " 4:internal error (stack trace with --verbose)"
        })
public final class LeakHunt {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of internal errors.")
    boolean verbose;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        int code = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line with the given writers; tests call this directly. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        LeakHunt root = new LeakHunt();
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, argv) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(prefix(c) + ": " + ex.getMessage());
            c.getErr().println("try '" + c.getCommandSpec().qualifiedName() + " --help' for more information");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> ExitCodes.report(ex, prefix(c), c.getErr(), root.verbose));
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
        return cl.execute(args);
    }

    static String prefix(CommandLine c) {
        return c.getCommandSpec().qualifiedName();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LeakHunt.class.getPackage().getImplementationVersion();
            return new String[] {"leakhunt " + (v == null ? "dev" : v),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
