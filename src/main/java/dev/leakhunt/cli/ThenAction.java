package dev.leakhunt.cli;

import dev.leakhunt.inspector.TargetSignal;
import java.util.Iterator;
import java.util.List;
import java.util.Stack;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * What {@code watch --then} does when a condition fires: {@code continue} watching, {@code stop}, {@code exec CMD}
 * (a shell command, then go on watching) or {@code signal NAME} (to the target, then go on watching).
 */
record ThenAction(String kind, String argument) {
    static final ThenAction CONTINUE = new ThenAction("continue", null);

    boolean acts() {
        return kind.equals("exec") || kind.equals("signal");
    }

    boolean stops() {
        return kind.equals("stop");
    }

    @Override
    public String toString() {
        return argument == null ? kind : kind + " " + argument;
    }

    /**
     * Takes {@code --then}'s value: one word, and for {@code exec} and {@code signal} the next one too (so that
     * {@code --then stop 1234} leaves the pid alone).
     */
    static final class Consumer implements IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec spec) {
            String usage = "--then takes continue, stop, exec 'CMD' or signal NAME";
            if (args.isEmpty()) {
                throw new ParameterException(spec.commandLine(), usage);
            }
            String kind = args.pop();
            ThenAction action = switch (kind) {
                case "continue", "stop" -> new ThenAction(kind, null);
                case "exec", "signal" -> {
                    if (args.isEmpty() || args.peek().isBlank()) {
                        throw new ParameterException(spec.commandLine(), "--then " + kind + " needs "
                                + (kind.equals("exec") ? "a command: --then exec 'systemctl restart api'"
                                : "a signal: --then signal TERM (" + String.join(", ", TargetSignal.NAMES) + ")"));
                    }
                    String argument = args.pop();
                    if (kind.equals("signal")) {
                        String name = TargetSignal.normalize(argument);
                        if (name == null) {
                            throw new ParameterException(spec.commandLine(), "--then signal " + argument
                                    + ": not one of " + String.join(", ", TargetSignal.NAMES)
                                    + " (USR1 opens the inspector)");
                        }
                        argument = name;
                    }
                    yield new ThenAction(kind, argument);
                }
                default -> throw new ParameterException(spec.commandLine(), usage + ", not '" + kind + "'");
            };
            argSpec.setValue(action);
        }
    }

    /** The words completion offers. */
    static final class Candidates implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("continue", "stop", "exec", "signal").iterator();
        }
    }
}
