package dev.leakhunt.explore;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jline.builtins.Completers;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Tab completion read off the picocli model: the first word completes to command names; an option word to the
 * command's options; a positional word to its parameter's completion candidates (ids shown, class names), a file
 * name for a {@code Path} parameter, and to command names after {@code help}.
 */
final class ShellCompleter implements Completer {
    private final CommandLine root;
    private final Completer files = new Completers.FileNameCompleter();

    ShellCompleter(CommandLine root) {
        this.root = root;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> words = line.words();
        int index = line.wordIndex();
        Map<String, CommandLine> commands = root.getSubcommands();
        CommandLine command = index == 0 ? null : commands.get(words.get(0));
        if (index == 0 || command != null && command.getCommandSpec().userObject() instanceof CommandLine.HelpCommand) {
            if (index <= 1) {
                commands.forEach((name, sub) -> candidates.add(candidate(name, description(sub.getCommandSpec()))));
            }
            return;
        }
        if (command == null) {
            return;
        }
        CommandSpec spec = command.getCommandSpec();
        if (line.word().startsWith("-")) {
            for (OptionSpec option : spec.options()) {
                for (String name : option.names()) {
                    candidates.add(candidate(name, option.description().length > 0 ? option.description()[0] : null));
                }
            }
            return;
        }
        PositionalParamSpec param = positionalAt(spec, words, index);
        if (param == null) {
            return;
        }
        if (param.type() == Path.class) {
            files.complete(reader, line, candidates);
        } else if (param.completionCandidates() != null) {
            for (String value : param.completionCandidates()) {
                candidates.add(candidate(value, null));
            }
        }
    }

    /** The positional parameter the word at {@code index} fills, or null (the value of an option, or one too many). */
    private static PositionalParamSpec positionalAt(CommandSpec spec, List<String> words, int index) {
        int position = 0;
        for (int i = 1; i < index; i++) {
            OptionSpec option = spec.findOption(words.get(i));
            if (option != null) {
                if (option.arity().max() > 0) {
                    if (i + 1 == index) {
                        return null;
                    }
                    i++;
                }
            } else if (!words.get(i).startsWith("-")) {
                position++;
            }
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (p.index().contains(position)) {
                return p;
            }
        }
        return null;
    }

    private static String description(CommandSpec spec) {
        String[] d = spec.usageMessage().description();
        return d.length == 0 ? null : d[0];
    }

    private static Candidate candidate(String value, String description) {
        return new Candidate(value, value, null, description, null, null, true);
    }
}
