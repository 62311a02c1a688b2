package dev.leakhunt.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;

/**
 * {@code generate-completion}: picocli's bash/zsh completion script, with the live Node.js pids offered where a
 * command takes one ({@code snapshot <TAB>}, {@code watch <TAB>}, {@code diff --pid <TAB>}): the script lists them
 * from /proc when asked, by executable name as {@code snapshot} decides (no signal, no inspector).
 */
@Command(name = "generate-completion", mixinStandardHelpOptions = true,
        description = {"Print a bash/zsh completion script for leakhunt: source <(leakhunt generate-completion). "
                + "The installed distribution puts it in share/bash-completion/completions. Pids complete to the "
                + "Node.js processes running at the time."})
final class CompletionCommand extends BaseCommand {
    /** Lists the pids of Node.js processes: /proc/<pid>/exe's name (argv[0] when unreadable), as NodeProcess does. */
    static final String NODE_PIDS = """
            # The pids of the Node.js processes running now, by executable name (argv[0] when it cannot be read).
            function _leakhunt_node_pids() {
              local d exe
              for d in /proc/[0-9]*; do
                exe=$(readlink "$d/exe" 2>/dev/null) || exe=$(tr '\\0' '\\n' < "$d/cmdline" 2>/dev/null | head -n 1)
                exe=${exe% (deleted)}
                case ${exe##*/} in
                  node|nodejs|node[0-9]*|node-v[0-9]*|node[-_.][0-9]*|nodejs[0-9]*|nodejs[-_.][0-9]*) echo "${d#/proc/}" ;;
                esac
              done
            }

            """;

    @Override
    public Integer call() {
        out().print(script(AutoComplete.bash("leakhunt", spec.root().commandLine())));
        out().flush();
        return ExitCodes.OK;
    }

    /** picocli's script with the pid completion spliced in. */
    static String script(String generated) {
        String s = generated;
        for (String command : new String[] {"snapshot", "watch"}) {
            s = replaceIn(s, "function _picocli_leakhunt_" + command + "()", "    local positionals=\"\"",
                    "    local positionals=\"$(_leakhunt_node_pids)\"");
        }
        s = replaceIn(s, "function _picocli_leakhunt_diff()", "    '--pid')\n      return\n",
                "    '--pid')\n      COMPREPLY=( $(compgen -W \"$(_leakhunt_node_pids)\" -- \"${curr_word}\") )\n"
                        + "      return $?\n");
        int first = s.indexOf("function ");
        return s.substring(0, first) + NODE_PIDS + s.substring(first);
    }

    /** Replaces the first {@code from} after {@code function} in {@code s}; fails when picocli's layout changed. */
    private static String replaceIn(String s, String function, String from, String to) {
        int start = s.indexOf(function);
        int at = start < 0 ? -1 : s.indexOf(from, start);
        int next = start < 0 ? -1 : s.indexOf("\nfunction ", start + 1);
        if (at < 0 || (next >= 0 && at > next)) {
            throw new IllegalStateException("picocli's completion script has no '" + from.trim() + "' in " + function);
        }
        return s.substring(0, at) + to + s.substring(at + from.length());
    }
}
