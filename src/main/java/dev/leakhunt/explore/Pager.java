package dev.leakhunt.explore;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.utils.NonBlockingReader;

/**
 * Shows an answer on the terminal, a screenful at a time when it is taller than the terminal: a {@code --More--}
 * prompt waits for space (a page), Enter (a line) or q (stop). The pages stay in the scrollback, as in a shell.
 */
final class Pager {
    private static final long POLL_MILLIS = 100;

    private final Terminal terminal;
    private final Session session;
    private final boolean enabled;

    Pager(Terminal terminal, Session session, boolean enabled) {
        this.terminal = terminal;
        this.session = session;
        this.enabled = enabled;
    }

    /** Shows {@code text}; returns the part the user saw (all of it, unless q stopped the pager). */
    String show(String text) {
        PrintWriter screen = terminal.writer();
        int height = terminal.getHeight();
        int width = terminal.getWidth();
        String[] lines = text.split("\n", -1);
        int count = text.endsWith("\n") ? lines.length - 1 : lines.length;
        if (!enabled || height < 4 || width < 10 || rows(lines, count, width) < height) {
            screen.print(text);
            screen.flush();
            return text;
        }
        int pageRows = height - 1; // one row for the prompt
        int used = 0;
        for (int i = 0; i < count; i++) {
            int rows = rows(lines[i], width);
            if (used > 0 && used + rows > pageRows) {
                screen.flush();
                int key = waitForKey(screen, 100 * i / count);
                if (key == 'q' || key == 'Q' || key < 0) {
                    return String.join("\n", Arrays.asList(lines).subList(0, i));
                }
                used = key == '\r' || key == '\n' ? pageRows - rows : 0;
            }
            screen.println(lines[i]);
            used += rows;
        }
        screen.flush();
        return text;
    }

    /** The key pressed at the prompt: space, Enter, q, or -1 for Ctrl-C, Ctrl-D and end of input. */
    private int waitForKey(PrintWriter screen, int percent) {
        screen.print("\033[7m--More-- (" + percent + "%, space: next page, Enter: next line, q: stop)\033[0m");
        screen.flush();
        Attributes saved = terminal.enterRawMode();
        try {
            NonBlockingReader keys = terminal.reader();
            while (true) {
                if (session.cancelRequested()) {
                    return -1;
                }
                int c = keys.read(POLL_MILLIS);
                if (c == NonBlockingReader.READ_EXPIRED) {
                    continue;
                }
                if (c < 0 || c == 3 || c == 4) {
                    return -1;
                }
                if (c == ' ' || c == '\r' || c == '\n' || c == 'q' || c == 'Q') {
                    return c;
                }
            }
        } catch (IOException e) {
            return -1;
        } finally {
            terminal.setAttributes(saved);
            screen.print("\r\033[K");
            screen.flush();
        }
    }

    private static int rows(String[] lines, int count, int width) {
        int rows = 0;
        for (int i = 0; i < count; i++) {
            rows += rows(lines[i], width);
        }
        return rows;
    }

    private static int rows(String line, int width) {
        int columns = line.codePointCount(0, line.length());
        return Math.max(1, (columns + width - 1) / width);
    }
}
