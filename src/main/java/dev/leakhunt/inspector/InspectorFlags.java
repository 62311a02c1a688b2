package dev.leakhunt.inspector;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a Node.js command line (and {@code NODE_OPTIONS}) says about the inspector: where SIGUSR1 will open it
 * ({@code --inspect-port=[host:]port}, or the port of {@code --inspect[-brk|-wait]=…}; by default
 * 127.0.0.1:9229) and whether SIGUSR1 is disabled ({@code --disable-sigusr1}, Node 22.14 and later).
 *
 * @param port 0 when the target asked for any free port
 */
record InspectorFlags(String host, int port, boolean sigusr1Disabled) {
    static final int DEFAULT_PORT = 9229;

    /** Node options that take their value as the next argument. */
    private static final Set<String> WITH_VALUE = Set.of("-r", "--require", "--import", "--loader",
            "--experimental-loader", "-e", "--eval", "-p", "--print", "--inspect-port", "--debug-port", "--title",
            "-C", "--conditions", "--env-file", "--input-type");

    /**
     * Parses the node options of {@code argv} (those before the script) and then those of {@code nodeOptions}
     * (which Node applies first, so the command line wins: we read it last).
     */
    static InspectorFlags parse(List<String> argv, String nodeOptions) {
        List<String> options = new ArrayList<>();
        if (nodeOptions != null && !nodeOptions.isBlank()) {
            options.addAll(List.of(nodeOptions.trim().split("\\s+")));
        }
        for (int i = 1; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (arg.equals("--") || !arg.startsWith("-")) {
                break; // the script: what follows are its own arguments
            }
            options.add(arg);
            if (WITH_VALUE.contains(arg) && i + 1 < argv.size()) {
                options.add(argv.get(++i));
            }
        }
        String host = Endpoint.LOOPBACK;
        int port = DEFAULT_PORT;
        boolean disabled = false;
        for (int i = 0; i < options.size(); i++) {
            String option = options.get(i);
            String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
            String value = option.contains("=") ? option.substring(option.indexOf('=') + 1)
                    : (name.equals("--inspect-port") || name.equals("--debug-port")) && i + 1 < options.size()
                    ? options.get(++i) : null;
            switch (name) {
                case "--disable-sigusr1" -> disabled = true;
                case "--inspect-port", "--debug-port", "--inspect", "--inspect-brk", "--inspect-wait" -> {
                    if (value != null) {
                        int colon = value.lastIndexOf(':');
                        String portText = colon >= 0 ? value.substring(colon + 1) : value;
                        if (colon > 0) {
                            host = value.substring(0, colon).replace("[", "").replace("]", "");
                        }
                        try {
                            port = Integer.parseInt(portText);
                        } catch (NumberFormatException e) {
                            host = value.replace("[", "").replace("]", ""); // --inspect=host alone
                        }
                    }
                }
                default -> {
                }
            }
        }
        return new InspectorFlags(host, port, disabled);
    }

    /** {@code 127.0.0.1:9229}, or {@code 127.0.0.1:(any free port)} for port 0. */
    String describe() {
        return new Endpoint(host, port).authority().replaceFirst(":0$", ":(any free port)");
    }
}
