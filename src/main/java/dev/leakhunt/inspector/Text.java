package dev.leakhunt.inspector;

import java.util.List;

/** Wording shared by the error messages of this package. */
final class Text {
    private Text() {
    }

    /** {@code 10 s}, {@code 1.5 s} or {@code 250 ms}. */
    static String duration(long millis) {
        if (millis < 1000) {
            return millis + " ms";
        }
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format("%.1f s", millis / 1000.0);
    }

    /** {@code 512 B}, {@code 1.5 MiB}, {@code 2.0 GiB}: binary units, as the reports write them. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n / 1024.0;
        int unit = 0;
        while (v >= 1024 && unit < units.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[unit]);
    }

    /** A command line as one quoted string, shortened to keep messages on one line. */
    static String command(List<String> argv) {
        String joined = String.join(" ", argv);
        if (joined.length() > 80) {
            joined = joined.substring(0, 77) + "...";
        }
        return "'" + joined + "'";
    }

    /** The first letter of a JDK message in lower case: {@code No space left} becomes {@code no space left}. */
    static String lower(String message) {
        if (message == null || message.isEmpty()) {
            return "unknown error";
        }
        if (message.length() > 1 && Character.isUpperCase(message.charAt(1))) {
            return message; // an acronym such as "EOF"
        }
        return Character.toLowerCase(message.charAt(0)) + message.substring(1);
    }
}
