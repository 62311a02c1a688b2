package dev.leakhunt.explore;

import dev.leakhunt.analysis.ChainStep;
import dev.leakhunt.analysis.DiffResult;
import dev.leakhunt.report.JsonReport;
import dev.leakhunt.report.NodeReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The commands of the explore shell, each an ordinary picocli command under this root. They compute through
 * {@link Session} and {@link NodeQueries} and print through {@link NodeReport}, as text or, with {@code --json},
 * one JSON document per answer. Parameters that take ids complete from the ids already shown, class arguments
 * from the class names ({@link ShownIds}, {@link ClassNames}, supplied by the shell's factory).
 */
@Command(name = "",
        description = {"Commands ('help COMMAND' for one; Tab completes names and ids shown):"},
        commandListHeading = "",
        subcommands = {
                ShellCommands.Summary.class,
                ShellCommands.Groups.class,
                ShellCommands.Suspects.class,
                ShellCommands.Classes.class,
                ShellCommands.Show.class,
                ShellCommands.Retainers.class,
                ShellCommands.Chain.class,
                ShellCommands.Dominator.class,
                ShellCommands.Dominated.class,
                ShellCommands.Find.class,
                ShellCommands.Strings.class,
                ShellCommands.Diff.class,
                CommandLine.HelpCommand.class,
                ShellCommands.Quit.class
        })
final class ShellCommands implements Runnable {
    final Session session;
    final NodeQueries queries;
    final boolean json;
    boolean quitRequested;
    @Spec
    CommandSpec spec;

    ShellCommands(Session session, boolean json) {
        this.session = session;
        this.queries = new NodeQueries(session);
        this.json = json;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A usage error that a command finds itself: its message is complete, unlike picocli's parse errors. */
    static final class BadArgument extends ParameterException {
        BadArgument(CommandLine command, String message) {
            super(command, message);
        }
    }

    /** What every command shares: the root's state and the one way to print an answer, as text or JSON. */
    abstract static class ShellCommand implements Callable<Integer> {
        @ParentCommand
        ShellCommands shell;
        @Spec
        CommandSpec spec;

        Session session() {
            return shell.session;
        }

        NodeQueries queries() {
            return shell.queries;
        }

        int ordinal(long id) {
            return session().ordinal(id);
        }

        int answer(Consumer<NodeReport.Text> text, Consumer<NodeReport.Json> json) {
            PrintWriter out = spec.commandLine().getOut();
            if (shell.json) {
                try (JsonReport report = new JsonReport(out, "explore " + spec.name())) {
                    json.accept(new NodeReport.Json(report));
                }
            } else {
                text.accept(new NodeReport.Text(out));
            }
            out.flush();
            return 0;
        }

        BadArgument usage(String message) {
            return new BadArgument(spec.commandLine(), message);
        }
    }

    @Command(name = "summary", description = "Totals and verdict, as analyze begins.")
    static final class Summary extends ShellCommand {
        @Override
        public Integer call() {
            return answer(t -> t.summary(session().analysis()), j -> j.summary(session().analysis()));
        }
    }

    @Command(name = "groups", description = "The largest groups of ArrayBuffer backing stores.")
    static final class Groups extends ShellCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "N", defaultValue = "10",
                description = "How many groups (default: ${DEFAULT-VALUE}).")
        int top;

        @Override
        public Integer call() {
            if (top < 1) {
                throw usage("N must be at least 1, not " + top);
            }
            var groups = session().groups(top);
            return answer(t -> t.groups(groups, session().analysis().totals().backingStores()), j -> j.groups(groups));
        }
    }

    @Command(name = "suspects", description = "The leak suspects, best first: what accumulates, and its holder.")
    static final class Suspects extends ShellCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "N", defaultValue = "10",
                description = "How many suspects at most (default: ${DEFAULT-VALUE}).")
        int top;

        @Override
        public Integer call() {
            if (top < 1) {
                throw usage("N must be at least 1, not " + top);
            }
            var all = session().analysis().suspects();
            var suspects = all.subList(0, Math.min(top, all.size()));
            return answer(t -> t.suspects(suspects), j -> j.suspects(suspects));
        }
    }

    @Command(name = "classes", description = "Classes by retained size (names containing FILTER).")
    static final class Classes extends ShellCommand {
        @Option(names = "-n", paramLabel = "N", defaultValue = "20", description = "How many (default: ${DEFAULT-VALUE}).")
        int top;
        @Parameters(arity = "0..*", paramLabel = "FILTER", completionCandidates = ClassNames.class,
                description = "Part of a class name, any case (words are joined by spaces).")
        List<String> filter;

        @Override
        public Integer call() {
            String f = filter == null ? null : String.join(" ", filter);
            var rows = session().classSummary().top(top <= 0 ? Integer.MAX_VALUE : top, f);
            return answer(t -> t.classes(rows, f), j -> j.classes(rows, f));
        }
    }

    /** The node a command is about, as its first parameter: {@code @123}, as analyze prints ids. */
    static final class NodeId {
        @Parameters(index = "0", paramLabel = "@ID", converter = NodeIdConverter.class, completionCandidates = ShownIds.class,
                description = "A node id, as analyze prints it: @123.")
        long id;

        int ordinal(ShellCommand command) {
            return command.ordinal(id);
        }
    }

    @Command(name = "show", description = "A node: sizes, distance, dominator, its edges.")
    static final class Show extends ShellCommand {
        @Option(names = "-n", paramLabel = "N", defaultValue = "50",
                description = "How many edges (default: ${DEFAULT-VALUE}; 0 for all).")
        int limit;
        @Mixin
        NodeId target;

        @Override
        public Integer call() {
            var details = queries().details(target.ordinal(this), limit);
            return answer(t -> t.details(details), j -> j.details(details));
        }
    }

    @Command(name = "retainers", description = "Every edge to a node, weak ones too.")
    static final class Retainers extends ShellCommand {
        @Option(names = "-n", paramLabel = "N", defaultValue = "50",
                description = "How many (default: ${DEFAULT-VALUE}; 0 for all).")
        int limit;
        @Mixin
        NodeId target;

        @Override
        public Integer call() {
            int node = target.ordinal(this);
            var retainers = queries().retainers(node, limit);
            var ref = queries().ref(node);
            return answer(t -> t.retainers(ref, retainers), j -> j.retainers(ref, retainers));
        }
    }

    @Command(name = "chain", description = "The retainer chain of a node, as analyze prints it.")
    static final class Chain extends ShellCommand {
        @Mixin
        NodeId target;

        @Override
        public Integer call() {
            int node = target.ordinal(this);
            var chains = session().chains();
            List<ChainStep> chain = chains.steps(chains.path(node));
            Integer distance = queries().distance(node);
            return answer(t -> t.chain(chain, distance), j -> j.chain(chain, distance));
        }
    }

    @Command(name = "dominator", description = "The dominators of a node, up to the root.")
    static final class Dominator extends ShellCommand {
        @Mixin
        NodeId target;

        @Override
        public Integer call() {
            var path = queries().dominators(target.ordinal(this));
            return answer(t -> t.dominators(path), j -> j.dominators(path));
        }
    }

    @Command(name = "dominated", description = "What a node immediately dominates, largest first.")
    static final class Dominated extends ShellCommand {
        @Mixin
        NodeId target;
        @Parameters(index = "1", arity = "0..1", paramLabel = "N", defaultValue = "20",
                description = "How many (default: ${DEFAULT-VALUE}; 0 for all).")
        int limit;

        @Override
        public Integer call() {
            int node = target.ordinal(this);
            var children = queries().dominated(node, limit);
            var ref = queries().ref(node);
            return answer(t -> t.dominated(ref, children), j -> j.dominated(ref, children));
        }
    }

    @Command(name = "find", description = "The nodes of a class or with a name, largest first.")
    static final class Find extends ShellCommand {
        @Option(names = "-n", paramLabel = "N", defaultValue = "20",
                description = "How many (default: ${DEFAULT-VALUE}; 0 for all).")
        int limit;
        @Parameters(arity = "1..*", paramLabel = "NAME", completionCandidates = ClassNames.class,
                description = "A class or node name, exactly (words are joined by spaces: find system / Context).")
        List<String> name;

        @Override
        public Integer call() {
            String n = String.join(" ", name);
            var found = queries().find(n, limit);
            return answer(t -> t.found(n, found.selfBytes(), found.nodes()), j -> j.found(n, found.selfBytes(), found.nodes()));
        }
    }

    @Command(name = "strings", description = "Strings of the snapshot that match a regex.")
    static final class Strings extends ShellCommand {
        @Option(names = "-n", paramLabel = "N", defaultValue = "50",
                description = "How many to show (default: ${DEFAULT-VALUE}; 0 for all); all are counted.")
        int limit;
        @Parameters(index = "0", paramLabel = "REGEX", description = "A Java regular expression; quote it when it has spaces.")
        String regex;

        @Override
        public Integer call() {
            Pattern pattern;
            try {
                pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw usage("bad regular expression '" + regex + "': " + e.getDescription());
            }
            var found = queries().strings(pattern, limit);
            return answer(t -> t.strings(regex, found.stringCount(), found.matches()),
                    j -> j.strings(regex, found.stringCount(), found.matches()));
        }
    }

    /** Named as the command; {@code dev.leakhunt.analysis.Diff} is therefore spelled out in full below. */
    @Command(name = "diff", description = "What is new in this snapshot since an earlier one of the process.")
    static final class Diff extends ShellCommand {
        @Option(names = "--later", description = "FILE was taken after this snapshot: what is new in FILE.")
        boolean later;
        @Option(names = "--top", paramLabel = "N", defaultValue = "10",
                description = "How many groups (default: ${DEFAULT-VALUE}).")
        int top;
        @Parameters(index = "0", paramLabel = "FILE", description = "The other snapshot (.heapsnapshot, plain or gzip).")
        Path file;

        @Override
        public Integer call() throws IOException {
            Session session = session();
            DiffResult result = later
                    ? dev.leakhunt.analysis.Diff.compare(session.baseline(), null, session.load(file), top, Session.TOP_CLASSES)
                    : dev.leakhunt.analysis.Diff.compare(dev.leakhunt.analysis.Diff.baseline(session.load(file)), null,
                            session.graph(), top, Session.TOP_CLASSES);
            if (result.identity().looksSwapped()) {
                spec.commandLine().getErr().println("diff: the snapshots look given in the wrong order: "
                        + (later ? "'diff " + file + "'" : "'diff --later " + file + "'") + " compares them the other way");
            }
            return answer(t -> t.diff(result), j -> j.diff(result));
        }
    }

    @Command(name = "quit", aliases = "exit", description = "Leave the shell (so does Ctrl-D).")
    static final class Quit extends ShellCommand {
        @Override
        public Integer call() {
            shell.quitRequested = true;
            return 0;
        }
    }
}
