package dev.leakhunt.cli;

import dev.leakhunt.explore.Session;
import dev.leakhunt.explore.Shell;
import dev.leakhunt.graph.HeapGraph;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "explore", mixinStandardHelpOptions = true,
        description = {"An interactive shell over a heap snapshot: load it once, then ask (summary, suspects, groups, "
                + "classes, show, retainers, chain, dominator, dominated, find, strings; 'help' in the shell lists "
                + "them).",
                "With -c, or with commands on a stdin that is not a terminal, runs them and exits."})
final class ExploreCommand extends BaseCommand {
    /** Overrides the default history file, ~/.leakhunt_history. */
    static final String HISTORY_PROPERTY = "leakhunt.history";

    @ParentCommand
    LeakHunt leakhunt;

    @Parameters(index = "0", paramLabel = "FILE", description = "The heap snapshot (.heapsnapshot, plain or gzip).")
    Path file;

    @Option(names = {"-c", "--command"}, paramLabel = "COMMAND",
            description = "Run this shell command, e.g. -c 'chain @123'; repeatable, run in order, then exit.")
    List<String> commands = new ArrayList<>();

    @Option(names = "--json", description = "Answer each command with one JSON document (schema leakhunt/1).")
    boolean json;

    @Option(names = "--history", paramLabel = "FILE",
            description = "The history file (default: ~/.leakhunt_history, or the system property " + HISTORY_PROPERTY + ").")
    Path history;

    @Option(names = "--no-pager", description = "Never page long answers.")
    boolean noPager;

    @Option(names = "--no-progress", description = "Never draw a progress bar while loading.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        boolean interactive = commands.isEmpty() && isTerminal(0);
        HeapGraph graph = SnapshotLoader.load(file, err(), !noProgress && !json && stderrIsTerminal());
        Session session = Session.open(graph, other -> SnapshotLoader.load(other, err(), !noProgress && !json && stderrIsTerminal()));
        Shell shell = new Shell(session, json, leakhunt != null && leakhunt.verbose);
        if (!interactive) {
            List<String> script = commands.isEmpty() ? stdinLines() : commands;
            return ExitCodes.of(shell.runScript(script, out(), err()));
        }
        try (Terminal terminal = TerminalBuilder.builder().name("leakhunt").system(true).build()) {
            shell.runInteractive(terminal, historyFile(), !noPager);
        }
        return ExitCodes.OK;
    }

    private Path historyFile() {
        if (history != null) {
            return history;
        }
        String property = System.getProperty(HISTORY_PROPERTY);
        return property != null ? Path.of(property) : Path.of(System.getProperty("user.home"), ".leakhunt_history");
    }

    private static List<String> stdinLines() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (!line.isBlank() && !line.stripLeading().startsWith("#")) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** Whether file descriptor {@code fd} of this process is a terminal. */
    private static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
