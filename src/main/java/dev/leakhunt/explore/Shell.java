package dev.leakhunt.explore;

import dev.leakhunt.analysis.Units;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.Parser;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Runs explore commands over one {@link Session}: from a list (the {@code -c} options, or lines on a non-terminal
 * stdin) or interactively on a JLine terminal with completion, history, a pager, Ctrl-C to cancel and Ctrl-D to
 * leave. A line is split into words as a shell would (quotes group, no backslash escapes, so regular expressions
 * pass as typed) and handed to picocli.
 */
public final class Shell {
    /** How a command, or a run of them, ended; ordered from best to worst. The CLI maps these to exit codes. */
    public enum Status {
        OK,
        /** An id that names no node, or a file (for diff) that is not a usable snapshot: a script goes on. */
        BAD_INPUT,
        /** An unknown command, or arguments that do not fit it: a script stops. */
        USAGE,
        /** A bug: a script stops. */
        INTERNAL
    }

    private static final String PROMPT = "leakhunt> ";

    private final Session session;
    private final ShellCommands root;
    private final CommandLine commandLine;
    private final DefaultParser parser;
    private final boolean verbose;

    // the command being run: where its messages go and how it ended
    private PrintWriter err;
    private String errPrefix;
    private Status status;

    public Shell(Session session, boolean json, boolean verbose) {
        this.session = session;
        this.verbose = verbose;
        this.root = new ShellCommands(session, json);
        this.commandLine = new CommandLine(root, new Factory(session));
        commandLine.setParameterExceptionHandler(this::onParameterError);
        commandLine.setExecutionExceptionHandler(this::onExecutionError);
        commandLine.getCommandSpec().usageMessage().sectionKeys(List.of(CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION,
                CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST));
        // the root has no name, so a synopsis reads "dominated @ID [N]" after a heading without its usual space
        commandLine.getSubcommands().values().forEach(sub -> sub.getCommandSpec().usageMessage().synopsisHeading("Usage:"));
        parser = new DefaultParser();
        parser.setEscapeChars(null);
    }

    /**
     * Runs the commands in order. An unknown id fails its command and the run goes on (status
     * {@link Status#BAD_INPUT} at the end); a usage or internal error stops the run; {@code quit} ends it.
     * Messages are one line each on {@code err}, prefixed with {@code leakhunt explore: }.
     */
    public Status runScript(List<String> lines, PrintWriter out, PrintWriter err) {
        Status worst = Status.OK;
        boolean answered = false;
        for (String line : lines) {
            StringWriter answer = new StringWriter();
            Status s = execute(line, new PrintWriter(answer), err, "leakhunt explore: ");
            if (answer.getBuffer().length() > 0) {
                if (answered && !root.json) {
                    out.println(); // a blank line between text answers; JSON documents follow one another
                }
                out.print(answer);
                out.flush();
                answered = true;
            }
            if (s.compareTo(worst) > 0) {
                worst = s;
            }
            if (s == Status.USAGE || s == Status.INTERNAL || root.quitRequested) {
                break;
            }
        }
        return worst;
    }

    /**
     * The interactive shell on {@code terminal}, until {@code quit} or Ctrl-D. History is read from and appended to
     * {@code historyFile}; answers taller than the terminal are paged when {@code page} is set.
     */
    public void runInteractive(Terminal terminal, Path historyFile, boolean page) {
        PrintWriter screen = terminal.writer();
        LineReader reader = LineReaderBuilder.builder()
                .appName("leakhunt")
                .terminal(terminal)
                .parser(parser)
                .completer(new ShellCompleter(commandLine))
                .variable(LineReader.HISTORY_FILE, historyFile)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // '!' belongs to regular expressions
                .build();
        Pager pager = new Pager(terminal, session, page);
        // While a command runs (not while reading a line, where JLine handles it), Ctrl-C cancels the command.
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, signal -> session.requestCancel());
        try {
            greet(screen);
            while (!root.quitRequested) {
                String line;
                try {
                    line = reader.readLine(PROMPT);
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C: the line is dropped
                } catch (EndOfFileException e) {
                    break; // Ctrl-D
                }
                StringWriter answer = new StringWriter();
                execute(line, new PrintWriter(answer), screen, "");
                session.shownIds().recordAll(pager.show(answer.toString()));
            }
        } finally {
            terminal.handle(Terminal.Signal.INT, previous);
            try {
                reader.getHistory().save();
            } catch (IOException e) {
                screen.println("could not save the history to '" + historyFile + "': " + e.getMessage());
            }
            screen.flush();
        }
    }

    private void greet(PrintWriter screen) {
        var r = session.analysis();
        screen.println(r.file() + ": " + Units.count(r.nodeCount()) + " nodes, "
                + Units.bytes(r.totals().nativeBytes()) + " in ArrayBuffer backing stores.");
        screen.println("Try 'summary' or 'groups'; 'help' lists the commands; Tab completes; Ctrl-D leaves.");
        screen.flush();
    }

    /** Runs one line; messages go to {@code err} after {@code prefix}. */
    Status execute(String line, PrintWriter out, PrintWriter err, String prefix) {
        List<String> words = words(line);
        if (words.isEmpty()) {
            return Status.OK;
        }
        String name = words.get(0);
        if (!commandLine.getSubcommands().containsKey(name)) {
            err.println(prefix + "unknown command '" + name + "'" + suggestion(name) + "; 'help' lists the commands");
            err.flush();
            return Status.USAGE;
        }
        this.err = err;
        this.errPrefix = prefix;
        this.status = Status.OK;
        session.clearCancel();
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.execute(words.toArray(String[]::new));
        out.flush();
        err.flush();
        return status;
    }

    /** The words of a line: whitespace separates, single or double quotes group, backslashes are kept. */
    List<String> words(String line) {
        return new ArrayList<>(parser.parse(line, line.length(), Parser.ParseContext.ACCEPT_LINE).words())
                .stream().filter(w -> !w.isEmpty()).toList();
    }

    private String suggestion(String name) {
        List<String> close = new ArrayList<>();
        for (String command : commandLine.getSubcommands().keySet()) {
            if (command.startsWith(name) || editDistance(command, name) <= 2) {
                close.add(command);
            }
        }
        return close.isEmpty() ? "" : " (did you mean " + String.join(" or ", close) + "?)";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int replace = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(replace, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private int onParameterError(ParameterException ex, String[] args) {
        String command = ex.getCommandLine().getCommandName();
        String message = ex.getMessage();
        if (ex instanceof ShellCommands.BadArgument) {
            err.println(errPrefix + command + ": " + message);
        } else {
            err.println(errPrefix + command + ": " + lowerFirst(message) + " ('help " + command + "' shows its usage)");
        }
        status = Status.USAGE;
        return 0;
    }

    private int onExecutionError(Exception ex, CommandLine command, ParseResult parseResult) {
        String name = command.getCommandName();
        if (ex instanceof UncheckedIOException u) {
            ex = u.getCause();
        }
        if (ex instanceof UnknownNodeException || ex instanceof IOException) {
            err.println(errPrefix + name + ": " + ex.getMessage());
            status = Status.BAD_INPUT;
        } else if (ex instanceof Session.CancelledException) {
            err.println(errPrefix + name + ": cancelled");
            status = Status.OK;
        } else {
            err.println(errPrefix + name + ": internal error: " + ex
                    + (verbose ? "" : " (run with --verbose for the stack trace)"));
            if (verbose) {
                ex.printStackTrace(err);
            }
            status = Status.INTERNAL;
        }
        return 0;
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() || Character.isUpperCase(s.charAt(0)) && s.length() > 1 && Character.isUpperCase(s.charAt(1))
                ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    /** Hands picocli the session's live completion candidates; everything else as picocli would create it. */
    private static final class Factory implements CommandLine.IFactory {
        private final Session session;
        private final ClassNames classNames;

        Factory(Session session) {
            this.session = session;
            this.classNames = new ClassNames(session.classSummary().names());
        }

        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == ShownIds.class) {
                return cls.cast(session.shownIds());
            }
            if (cls == ClassNames.class) {
                return cls.cast(classNames);
            }
            return CommandLine.defaultFactory().create(cls);
        }
    }
}
