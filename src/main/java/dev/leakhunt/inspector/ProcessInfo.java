package dev.leakhunt.inspector;

import java.util.List;

/**
 * Who the target is, as it says itself.
 *
 * @param pid         {@code process.pid}, or -1 for a target that is not Node.js (a browser page)
 * @param title       {@code process.title} ({@code node} unless the program set it), or a page's title
 * @param nodeVersion {@code process.version}, e.g. {@code v20.11.1}; empty for a target that is not Node.js
 * @param argv        {@code process.argv}; empty for a target that is not Node.js
 */
public record ProcessInfo(long pid, String title, String nodeVersion, List<String> argv) {
    public ProcessInfo {
        argv = List.copyOf(argv);
    }
}
