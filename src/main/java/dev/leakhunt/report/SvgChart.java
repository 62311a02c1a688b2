package dev.leakhunt.report;

import dev.leakhunt.analysis.TrendFit;
import dev.leakhunt.analysis.TrendSample;
import dev.leakhunt.analysis.TrendSeries;
import dev.leakhunt.analysis.TrendVerdict;
import dev.leakhunt.analysis.Units;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * The chart of a watch as a standalone SVG document: the memory series over time on one axis from zero (binary
 * units), the verdict as title, a legend with each series' last value and slope, the fitted line of each series
 * that grows, and a mark where a heap snapshot was taken. Without the V8 figures it draws RSS and its peak.
 *
 * <p>Each series is one {@code <polyline class="series" data-series="NAME">}; coordinates are in user units of a
 * fixed {@value #WIDTH}×{@value #HEIGHT} view box, so the file scales to any size.
 */
public final class SvgChart {
    static final int WIDTH = 1000;
    static final int HEIGHT = 600;
    private static final int PLOT_LEFT = 88;
    private static final int PLOT_RIGHT = 660;
    private static final int PLOT_TOP = 96;
    private static final int PLOT_BOTTOM = 530;
    private static final int LEGEND_LEFT = 680;
    /** Right edges of the legend's value columns. */
    private static final int LEGEND_LAST_RIGHT = 880;
    private static final int LEGEND_SLOPE_RIGHT = WIDTH - 12;
    private static final String FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
    private static final int TITLE_SIZE = 17;
    private static final int TITLE_CHARS = 92;
    private static final Pattern FIGURE_AND_UNIT = Pattern.compile(
            "(\\d) (?=B\\b|KiB|MiB|GiB|TiB|h\\b|min\\b|s\\b|ms\\b|samples?\\b)|(\\S) (?=[+-]\\d)");
    /** Time steps for the x axis, in ms: from a tenth of a second to a day. */
    private static final long[] TIME_STEPS = {100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000,
            120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000,
            86_400_000};

    /** How a series is drawn. */
    private record Line(String name, String color, String dash, double width, ToLongFunction<TrendSample> value,
                        TrendSeries series) {
    }

    private static final List<Line> V8_LINES = List.of(
            new Line("rss", "#000000", null, 2.5, TrendSample::rssBytes, TrendSeries.RSS),
            new Line("heapTotal", "#56B4E9", "7 4", 2, TrendSample::heapTotalBytes, TrendSeries.HEAP_TOTAL),
            new Line("heapUsed", "#0072B2", null, 2, TrendSample::heapUsedBytes, TrendSeries.HEAP_USED),
            new Line("external", "#D55E00", null, 2, TrendSample::externalBytes, TrendSeries.EXTERNAL),
            new Line("arrayBuffers", "#E69F00", "7 4", 2, TrendSample::arrayBuffersBytes, TrendSeries.ARRAY_BUFFERS));
    private static final List<Line> PROC_LINES = List.of(
            new Line("rss", "#000000", null, 2.5, TrendSample::rssBytes, TrendSeries.RSS),
            new Line("peak rss", "#999999", "7 4", 2, TrendSample::peakRssBytes, null));

    private final StringBuilder svg = new StringBuilder(64 * 1024);
    private final List<TrendSample> samples;
    private final TrendVerdict verdict;
    private final List<Line> lines;
    private final long spanMillis;
    private final long maxBytes;

    private SvgChart(List<TrendSample> samples, TrendVerdict verdict) {
        this.samples = samples;
        this.verdict = verdict;
        this.lines = !samples.isEmpty() && samples.stream().allMatch(TrendSample::hasV8) ? V8_LINES : PROC_LINES;
        this.spanMillis = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).elapsedMillis();
        long max = 0;
        for (TrendSample s : samples) {
            for (Line line : lines) {
                max = Math.max(max, line.value.applyAsLong(s));
            }
        }
        this.maxBytes = max;
    }

    /**
     * The chart of {@code samples} with the verdict as title and {@code subtitle} under it; {@code markMillis}
     * are elapsed times of heap snapshots.
     */
    public static String render(List<TrendSample> samples, TrendVerdict verdict, String subtitle, long[] markMillis) {
        SvgChart chart = new SvgChart(samples, verdict);
        chart.document(subtitle, markMillis);
        return chart.svg.toString();
    }

    private void document(String subtitle, long[] markMillis) {
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"%s\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT, FONT));
        String title = WatchReport.verdictText(verdict);
        svg.append("<title>").append(escape(title)).append("</title>\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        heading(title, subtitle);
        long yStep = yStep();
        long yMax = Math.max(yStep, (maxBytes + yStep - 1) / yStep * yStep);
        long xStep = xStep();
        // Sampling runs a few ms late: a span just past a step (30.001 s) ends the axis at that step, not the next.
        long xMax = Math.max(xStep, (spanMillis - xStep / 100 + xStep - 1) / xStep * xStep);
        axes(yStep, yMax, xStep, xMax);
        for (long mark : markMillis) {
            mark(mark, xMax);
        }
        for (Line line : lines) {
            fitted(line, yMax, xMax);
        }
        for (Line line : lines) {
            series(line, yMax, xMax);
        }
        legend();
        svg.append("</svg>\n");
    }

    private void heading(String title, String subtitle) {
        List<String> titleLines = wrap(title, TITLE_CHARS);
        int y = 30;
        for (String line : titleLines.subList(0, Math.min(2, titleLines.size()))) {
            svg.append(String.format(Locale.ROOT, "<text class=\"title\" x=\"%d\" y=\"%d\" font-size=\"%d\""
                    + " font-weight=\"bold\">%s</text>%n", 16, y, TITLE_SIZE, escape(line)));
            y += TITLE_SIZE + 5;
        }
        svg.append(String.format(Locale.ROOT, "<text class=\"subtitle\" x=\"16\" y=\"%d\" fill=\"#444444\">%s</text>%n",
                Math.max(y + 2, 74), escape(subtitle)));
    }

    private void axes(long yStep, long yMax, long xStep, long xMax) {
        svg.append("<g class=\"axes\" stroke=\"#dddddd\" stroke-width=\"1\">\n");
        for (long v = 0; v <= yMax; v += yStep) {
            double y = y(v, yMax);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>%n", PLOT_LEFT, y,
                    PLOT_RIGHT, y));
        }
        for (long t = 0; t <= xMax; t += xStep) {
            double x = x(t, xMax);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>%n", x, PLOT_TOP, x,
                    PLOT_BOTTOM));
        }
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\""
                + " stroke=\"#888888\"/>%n", PLOT_LEFT, PLOT_TOP, PLOT_RIGHT - PLOT_LEFT, PLOT_BOTTOM - PLOT_TOP));
        svg.append("</g>\n<g class=\"labels\" fill=\"#333333\">\n");
        for (long v = 0; v <= yMax; v += yStep) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    PLOT_LEFT - 6, y(v, yMax) + 4, escape(tick(v))));
        }
        boolean tenths = xStep < 1000;
        for (long t = 0; t <= xMax; t += xStep) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    x(t, xMax), PLOT_BOTTOM + 18, WatchReport.clock(t, tenths)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time since the first"
                + " sample (%s)</text>%n", (PLOT_LEFT + PLOT_RIGHT) / 2, PLOT_BOTTOM + 40,
                xMax >= 3_600_000 ? "h:mm:ss" : tenths ? "m:ss.s" : "m:ss"));
        svg.append(String.format(Locale.ROOT, "<text transform=\"translate(18 %d) rotate(-90)\""
                + " text-anchor=\"middle\">memory</text>%n", (PLOT_TOP + PLOT_BOTTOM) / 2));
        svg.append("</g>\n");
    }

    private void mark(long atMillis, long xMax) {
        double x = x(atMillis, xMax);
        svg.append(String.format(Locale.ROOT, "<g class=\"mark\"><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\""
                + " stroke=\"#7a3fb0\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>"
                + "<text x=\"%.1f\" y=\"%d\" fill=\"#7a3fb0\" text-anchor=\"%s\">heap snapshot</text></g>%n",
                x, PLOT_TOP, x, PLOT_BOTTOM, x + (x > PLOT_RIGHT - 100 ? -4 : 4), PLOT_TOP + 14,
                x > PLOT_RIGHT - 100 ? "end" : "start"));
    }

    /** The least-squares line of a series that grows, thin and faint under the data. */
    private void fitted(Line line, long yMax, long xMax) {
        if (line.series == null || !verdict.grows(line.series)) {
            return;
        }
        TrendFit fit = verdict.fit(line.series);
        long t0 = samples.get(0).elapsedMillis();
        double y0 = fit.intercept();
        double y1 = fit.intercept() + fit.slopePerHour() * (spanMillis - t0) / 3_600_000.0;
        svg.append(String.format(Locale.ROOT, "<line class=\"fit\" data-series=\"%s\" x1=\"%.1f\" y1=\"%.1f\""
                + " x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"6\" stroke-opacity=\"0.18\""
                + " stroke-linecap=\"round\"/>%n", line.name, x(t0, xMax), y(y0, yMax), x(spanMillis, xMax),
                y(y1, yMax), line.color));
    }

    private void series(Line line, long yMax, long xMax) {
        StringBuilder points = new StringBuilder(samples.size() * 14);
        for (TrendSample s : samples) {
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(s.elapsedMillis(), xMax),
                    y(line.value.applyAsLong(s), yMax)));
        }
        svg.append(String.format(Locale.ROOT, "<polyline class=\"series\" data-series=\"%s\" fill=\"none\""
                + " stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"%s points=\"%s\"><title>%s</title>"
                + "</polyline>%n", line.name, line.color, line.width,
                line.dash == null ? "" : " stroke-dasharray=\"" + line.dash + "\"", points.toString().trim(),
                line.name));
    }

    private void legend() {
        int y = PLOT_TOP + 4;
        svg.append("<g class=\"legend\">\n");
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#333333\" font-weight=\"bold\""
                + " text-anchor=\"end\">last</text><text x=\"%d\" y=\"%d\" fill=\"#333333\" font-weight=\"bold\""
                + " text-anchor=\"end\">slope</text>%n", LEGEND_LAST_RIGHT, y, LEGEND_SLOPE_RIGHT, y));
        y += 24;
        TrendSample last = samples.isEmpty() ? null : samples.get(samples.size() - 1);
        for (Line line : lines) {
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\""
                    + " stroke-width=\"%.1f\"%s/>%n", LEGEND_LEFT, y - 4, LEGEND_LEFT + 26, y - 4, line.color,
                    line.width, line.dash == null ? "" : " stroke-dasharray=\"" + line.dash + "\""));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEGEND_LEFT + 32, y,
                    escape(line.name)));
            if (last != null) {
                svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                        LEGEND_LAST_RIGHT, y, escape(Units.bytes(line.value.applyAsLong(last)))));
            }
            TrendFit fit = line.series == null ? null : verdict.fit(line.series);
            if (fit != null) {
                boolean grows = verdict.grows(line.series);
                svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"%s>%s</text>%n",
                        LEGEND_SLOPE_RIGHT, y, grows ? " font-weight=\"bold\" fill=\"#b00020\"" : " fill=\"#555555\"",
                        escape(Units.rate(fit.slopePerHour()))));
            }
            y += 22;
        }
        y += 10;
        for (String line : wrap(WatchReport.confidenceText(verdict), 50)) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555555\">%s</text>%n", LEGEND_LEFT,
                    y, escape(line)));
            y += 16;
        }
        y += 6;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555555\">bold red: grows</text>%n",
                LEGEND_LEFT, y));
        svg.append("</g>\n");
    }

    // ---- scales -----------------------------------------------------------------------------------------------

    private double x(double millis, long xMax) {
        return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * millis / xMax;
    }

    private double y(double bytes, long yMax) {
        return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * Math.max(0, bytes) / yMax;
    }

    /**
     * A step of 1, 2 or 5 times 1, 10 or 100 KiB, MiB, GiB or TiB, or half of the next unit (so that GiB-scale axes
     * read 512 MiB, 1 GiB, 1.5 GiB), giving at most 8 steps to the maximum.
     */
    private long yStep() {
        return niceBytesStep(maxBytes, 8);
    }

    static long niceBytesStep(long maxBytes, int maxSteps) {
        double raw = (double) maxBytes / maxSteps;
        for (int shift = 10; shift <= 40; shift += 10) {
            for (long m : new long[] {1, 2, 5, 10, 20, 50, 100, 200, 512}) {
                if ((double) (m << shift) >= raw) {
                    return m << shift;
                }
            }
        }
        return (long) Math.ceil(raw / (1L << 40)) << 40;
    }

    /** The smallest of {@link #TIME_STEPS} that gives at most 10 steps. */
    private long xStep() {
        for (long step : TIME_STEPS) {
            if (spanMillis / step <= 10) {
                return step;
            }
        }
        return TIME_STEPS[TIME_STEPS.length - 1] * (spanMillis / TIME_STEPS[TIME_STEPS.length - 1] / 10 + 1);
    }

    /**
     * A y-axis label, exact: in the largest unit that holds it to one decimal ({@code 250 MiB}, {@code 1.5 GiB}),
     * else in a smaller one ({@code 1200 MiB}, never a rounded {@code 1.2 GiB}).
     */
    static String tick(long bytes) {
        String[] names = {"KiB", "MiB", "GiB", "TiB"};
        for (int u = names.length - 1; u >= 0; u--) {
            long unit = 1L << (10 * (u + 1));
            if (bytes >= unit && bytes * 10 % unit == 0) {
                long tenths = bytes * 10 / unit;
                return (tenths % 10 == 0 ? Long.toString(tenths / 10) : tenths / 10 + "." + tenths % 10) + " "
                        + names[u];
            }
        }
        return bytes == 0 ? "0" : bytes + " B";
    }

    // ---- text -------------------------------------------------------------------------------------------------

    /**
     * Splits at spaces into lines of at most {@code width} characters (a longer word gets a line of its own), never
     * between a figure and its unit or a name and its rate ({@code rss +160.2 MiB/h}, {@code 61 samples}).
     */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        String glued = FIGURE_AND_UNIT.matcher(text).replaceAll(m -> (m.group(1) != null ? m.group(1) : m.group(2))
                + "\u00a0");
        for (String part : glued.split(" ")) {
            String word = part.replace('\u00a0', ' ');
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }

    static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (c >= 0x20 || c == '\t' || c == '\n') {
                        sb.append(c);
                    } // other control characters are not allowed in XML 1.0
                }
            }
        }
        return sb.toString();
    }
}
