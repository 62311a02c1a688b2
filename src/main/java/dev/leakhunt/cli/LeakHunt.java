package dev.leakhunt.cli;

import java.io.PrintWriter;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.OutputStreamWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The entry point. The only place that calls {@code System.exit}; every command returns its exit code or throws,
 * and {@link ExitCodes#report} decides what a throw means; every help's list of exit codes comes from
 * {@link ExitCodes#help}.
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
                PsCommand.class,
                CommandLine.HelpCommand.class,
                CompletionCommand.class
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
            c.getErr().println(prefix(c) + ": " + usageMessage(ex) + " (see '" + c.getCommandSpec().qualifiedName()
                    + " --help')");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> ExitCodes.report(ex, prefix(c), c.getErr(), root.verbose));
        exitCodeHelp(cl);
        return cl.execute(args);
    }

    /** Each command's help lists its exit codes from {@link ExitCodes#help}, the one place that decides them. */
    private static void exitCodeHelp(CommandLine cl) {
        CommandLine.Model.UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
        usage.exitCodeListHeading("%nExit codes:%n");
        usage.exitCodeList(ExitCodes.help(cl.getCommandSpec().parent() == null ? "leakhunt" : cl.getCommandName()));
        for (CommandLine sub : cl.getSubcommands().values()) {
            exitCodeHelp(sub);
        }
    }

    /**
     * One line for a usage error, with a suggestion for a mistyped option or command: "unknown option '--tpo'; did
     * you mean '--top'?".
     */
    static String usageMessage(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().get(0);
            boolean option = first.startsWith("-") && !first.equals("-");
            boolean command = !option && !u.getCommandLine().getSubcommands().isEmpty();
            String what = option ? "unknown option '" + first + "'" : command ? "unknown command '" + first + "'"
                    : "unexpected argument '" + first + "'";
            CommandLine.Model.CommandSpec spec = u.getCommandLine().getCommandSpec();
            List<String> names = new java.util.ArrayList<>();
            if (option) {
                spec.options().forEach(o -> names.addAll(List.of(o.names())));
            } else {
                names.addAll(spec.subcommands().keySet());
            }
            List<String> suggestions = names.stream().filter(name -> isNear(first, name)).distinct().toList();
            return what + (suggestions.isEmpty() ? "" : "; did you mean '" + String.join("' or '", suggestions) + "'?");
        }
        String message = ex.getMessage();
        return message.isEmpty() ? message : Character.toLowerCase(message.charAt(0)) + message.substring(1);
    }

    /** A typo away: one edit (or two in a word of six letters or more), or a prefix of three letters or more. */
    static boolean isNear(String typed, String name) {
        String a = typed.replaceFirst("^-+", "").toLowerCase(java.util.Locale.ROOT);
        String b = name.replaceFirst("^-+", "").toLowerCase(java.util.Locale.ROOT);
        if (a.length() >= 3 && b.startsWith(a)) {
            return true;
        }
        return editDistance(a, b) <= (Math.max(a.length(), b.length()) >= 6 ? 2 : 1);
    }

    /** Levenshtein distance, with a swap of two neighbours as one edit (optimal string alignment). */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                if (i == 0 || j == 0) {
                    d[i][j] = i + j;
                    continue;
                }
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
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
