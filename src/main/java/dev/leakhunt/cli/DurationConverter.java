package dev.leakhunt.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** {@code 500ms}, {@code 5s}, {@code 1.5s}, {@code 1m}, {@code 2h}, {@code 1m30s}; {@code 0} alone. */
final class DurationConverter implements CommandLine.ITypeConverter<Long> {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|min|h)");

    @Override
    public Long convert(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        if (text.equals("0")) {
            return 0L;
        }
        Matcher m = PART.matcher(text);
        double millis = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double n = Double.parseDouble(m.group(1));
            millis += n * switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1000;
                case "m", "min" -> 60_000;
                default -> 3_600_000;
            };
            end = m.end();
        }
        if (end == 0 || end != text.length()) {
            throw new CommandLine.TypeConversionException("bad time '" + value
                    + "' (use a unit: 500ms, 5s, 1m, 2h)");
        }
        return Math.round(millis);
    }
}
