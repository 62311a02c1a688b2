package dev.leakhunt.cli;

import dev.leakhunt.analysis.Units;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code --fail-if '<metric> <op> <value>'} assertion. Values take units: {@code 512MiB} (binary),
 * {@code 2GB} (decimal), {@code 10k}/{@code 3M} (counts), and rates per time ({@code 50MiB/h}, per second,
 * minute or hour; compared in units per hour).
 */
public record FailIf(String text, String metric, String op, double value) {
    private static final Pattern FORM = Pattern.compile(
            "\\s*([a-z][a-z0-9-]*)\\s*(>=|<=|==|!=|>|<)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([A-Za-z]*)(?:\\s*/\\s*([smh]))?\\s*");

    public static FailIf parse(String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new UsageException("bad --fail-if '" + text + "': expected '<metric> <op> <value>', e.g. 'native-bytes > 512MiB'");
        }
        double value = Double.parseDouble(m.group(3)) * unit(m.group(4), text);
        if (m.group(5) != null) {
            value *= switch (m.group(5)) {
                case "s" -> 3600;
                case "m" -> 60;
                default -> 1;
            };
        }
        return new FailIf(text.trim(), m.group(1), m.group(2), value);
    }

    private static double unit(String unit, String text) {
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1;
            case "k", "kb" -> 1e3;
            case "m", "mb" -> 1e6;
            case "g", "gb" -> 1e9;
            case "t", "tb" -> 1e12;
            case "kib" -> 1L << 10;
            case "mib" -> 1L << 20;
            case "gib" -> 1L << 30;
            case "tib" -> 1L << 40;
            default -> throw new UsageException("bad --fail-if '" + text + "': unknown unit '" + unit
                    + "' (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB, k, M)");
        };
    }

    /** Parses all, failing on a metric that {@code known} does not name. */
    public static List<FailIf> parseAll(List<String> texts, Collection<String> known) {
        List<FailIf> out = new ArrayList<>();
        for (String t : texts) {
            FailIf f = parse(t);
            if (!known.contains(f.metric())) {
                throw new UsageException("unknown metric '" + f.metric() + "' in --fail-if '" + t + "'; known: "
                        + String.join(", ", known));
            }
            out.add(f);
        }
        return out;
    }

    public boolean holds(double actual) {
        return switch (op) {
            case ">" -> actual > value;
            case ">=" -> actual >= value;
            case "<" -> actual < value;
            case "<=" -> actual <= value;
            case "==" -> actual == value;
            default -> actual != value;
        };
    }

    /**
     * Prints one line per assertion that holds and returns those; metrics whose names end in {@code -bytes} are
     * shown in binary units, those ending in {@code -slope} (bytes per hour) as rates.
     */
    static List<String> check(List<FailIf> assertions, Map<String, ? extends Number> metrics,
                              java.io.PrintWriter err, String prefix) {
        List<String> held = new ArrayList<>();
        for (FailIf f : assertions) {
            Number actual = metrics.get(f.metric());
            if (actual != null && f.holds(actual.doubleValue())) {
                held.add(f.text());
                String shown = f.metric().endsWith("-bytes") ? Units.bytes(actual.longValue())
                        : f.metric().endsWith("-slope") ? Units.rate(actual.doubleValue())
                        : actual instanceof Double d ? String.format(Locale.ROOT, "%.1f", d) : actual.toString();
                err.println(prefix + ": assertion failed: " + f.text() + " (" + f.metric() + " is " + shown + ")");
            }
        }
        return held;
    }
}
