package dev.leakhunt.report;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.analysis.TrendFit;
import dev.leakhunt.analysis.TrendSample;
import dev.leakhunt.analysis.TrendSeries;
import dev.leakhunt.analysis.TrendVerdict;
import dev.leakhunt.analysis.Units;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.leakhunt.analysis.Units.bytes;
import static dev.leakhunt.analysis.Units.rate;

/**
 * What {@code watch} prints: a row per sample as it is taken, the verdict in words, the samples as CSV, and the
 * JSON document. Sizes in binary units for people; bytes (and bytes per hour) in CSV and JSON.
 */
public final class WatchReport {
    /** Widths of the row columns: time, then sizes such as {@code 1023.9 MiB}, then a signed change. */
    private static final int SIZE_WIDTH = 11;
    private static final int CHANGE_WIDTH = 12;

    /**
     * The watched process.
     *
     * @param command     its command line, quoted and shortened
     * @param title       {@code process.title}, or null without the inspector
     * @param nodeVersion {@code process.version}, or null without the inspector
     * @param inspector   where the inspector listens ({@code 127.0.0.1:9229}), or null without it
     */
    public record Target(long pid, String command, String title, String nodeVersion, String inspector,
                         boolean openedInspector) {
    }

    /**
     * The heap snapshot that {@code --snapshot-when} took.
     *
     * @param atMillis      elapsed time of the sample that met the condition
     * @param trigger       the condition as written
     * @param file          where the snapshot is (null if it could not be taken)
     * @param bytes         its size
     * @param captureMillis how long the capture took (the target is paused for part of it)
     * @param analysis      its analysis, or null
     * @param error         why it could not be taken or analyzed, or null
     */
    public record Capture(long atMillis, String trigger, String file, long bytes, long captureMillis,
                          AnalysisResult analysis, String error) {
    }

    /**
     * What {@code --then exec} or {@code --then signal} did when {@code trigger} fired at {@code atMillis}:
     * {@code action} is {@code exec} or {@code signal}, {@code argument} the command or the signal's name;
     * {@code exitCode} the command's exit status (-1 when it did not run to its end, or for a signal), {@code error}
     * why it failed, or null.
     */
    public record Action(long atMillis, String trigger, String action, String argument, int exitCode, String error) {
    }

    private final Target target;
    private final Instant start;
    private final long intervalMillis;
    private final boolean v8;

    public WatchReport(Target target, Instant start, long intervalMillis) {
        this.target = target;
        this.start = start;
        this.intervalMillis = intervalMillis;
        this.v8 = target.inspector() != null;
    }

    // ---- rows -------------------------------------------------------------------------------------------------

    /** The line above the rows. */
    public String header() {
        StringBuilder sb = new StringBuilder(pad("time", timeWidth(), false));
        sb.append(pad("rss", SIZE_WIDTH, true));
        if (v8) {
            for (TrendSeries s : List.of(TrendSeries.HEAP_TOTAL, TrendSeries.HEAP_USED, TrendSeries.EXTERNAL,
                    TrendSeries.ARRAY_BUFFERS)) {
                sb.append(pad(s.label(), Math.max(SIZE_WIDTH, s.label().length() + 2), true));
            }
        } else {
            sb.append(pad("peak rss", SIZE_WIDTH, true));
        }
        sb.append(pad("Δ rss", CHANGE_WIDTH, true));
        return sb.toString();
    }

    /** One sample, aligned under {@link #header()}; the change is RSS since the first sample. */
    public String row(TrendSample s, TrendSample first) {
        StringBuilder sb = new StringBuilder(pad(clock(s.elapsedMillis(), intervalMillis < 1000), timeWidth(), false));
        sb.append(pad(bytes(s.rssBytes()), SIZE_WIDTH, true));
        if (v8) {
            sb.append(pad(s.hasV8() ? bytes(s.heapTotalBytes()) : "-", SIZE_WIDTH, true));
            sb.append(pad(s.hasV8() ? bytes(s.heapUsedBytes()) : "-", SIZE_WIDTH, true));
            sb.append(pad(s.hasV8() ? bytes(s.externalBytes()) : "-", SIZE_WIDTH, true));
            sb.append(pad(s.hasV8() ? bytes(s.arrayBuffersBytes()) : "-",
                    Math.max(SIZE_WIDTH, "arrayBuffers".length() + 2), true));
        } else {
            sb.append(pad(bytes(s.peakRssBytes()), SIZE_WIDTH, true));
        }
        sb.append(pad(signed(s.rssBytes() - first.rssBytes()), CHANGE_WIDTH, true));
        return sb.toString();
    }

    private int timeWidth() {
        return intervalMillis < 1000 ? 9 : 7;
    }

    private static String pad(String cell, int width, boolean right) {
        if (cell.length() >= width) {
            return right ? " " + cell : cell; // a right-aligned size column after it starts with a space
        }
        String space = " ".repeat(width - cell.length());
        return right ? space + cell : cell + space;
    }

    // ---- the verdict ------------------------------------------------------------------------------------------

    /** The verdict, its confidence, advice, and a line per series: the end of the text report. */
    public void verdict(PrintWriter out, TrendVerdict v, String ended) {
        out.println();
        out.println("Verdict: " + verdictText(v));
        out.println("  " + confidenceText(v));
        String advice = advice(v);
        if (advice != null) {
            out.println("  " + advice);
        }
        if (!v.fits().isEmpty()) {
            out.println();
            out.println("Series over the watch (" + ended + ")");
            Table t = new Table("series", "first", "last", "change", "slope", "R²", "").rightAligned(1, 2, 3, 4, 5);
            for (TrendSeries s : TrendSeries.values()) {
                TrendFit f = v.fit(s);
                if (f != null) {
                    t.row(s.label(), bytes(Math.round(f.first())), bytes(Math.round(f.last())),
                            signed(Math.round(f.last() - f.first())), rate(f.slopePerHour()), r2(f.r2()),
                            v.grows(s) ? "grows" : "");
                }
            }
            t.print(out, "  ");
        }
    }

    /**
     * The verdict in one line, e.g. {@code native leak: external +140.0 MiB/h, arrayBuffers +140.0 MiB/h, heapUsed
     * flat (rss +151.2 MiB/h)}.
     */
    public static String verdictText(TrendVerdict v) {
        return switch (v.kind()) {
            case NATIVE -> "native leak: " + rates(v, TrendSeries.EXTERNAL, TrendSeries.ARRAY_BUFFERS,
                    TrendSeries.HEAP_USED) + rssRate(v);
            case JS_HEAP -> "JS-heap leak: " + rates(v, TrendSeries.HEAP_USED, TrendSeries.HEAP_TOTAL,
                    TrendSeries.EXTERNAL) + rssRate(v);
            case OUTSIDE_V8 -> "RSS grows outside V8 (native addon, allocator, WebAssembly memory): rss "
                    + rate(v.fit(TrendSeries.RSS).slopePerHour()) + ", " + rates(v, TrendSeries.HEAP_TOTAL,
                    TrendSeries.EXTERNAL);
            case STABLE -> "stable: nothing grows" + (v.confidence() == TrendVerdict.Confidence.LOW ? " clearly" : "")
                    + " (" + (v.fit(TrendSeries.HEAP_USED) == null
                    ? "rss " + rate(v.fit(TrendSeries.RSS).slopePerHour())
                    : slopes(v, TrendSeries.RSS, TrendSeries.HEAP_USED, TrendSeries.EXTERNAL)) + ")";
            case GROWING -> "RSS grows " + rate(v.fit(TrendSeries.RSS).slopePerHour())
                    + " (sampled without the inspector: where in the process is not known)";
            case UNKNOWN -> "no verdict: " + v.samples() + (v.samples() == 1 ? " sample" : " samples")
                    + " over " + duration(v.spanMillis()) + " (a line needs " + dev.leakhunt.analysis.Trend.MIN_SAMPLES
                    + " or more)";
        };
    }

    /** {@code external +140.0 MiB/h, heapUsed flat}: the rate of each series that grows, "flat" for the rest. */
    private static String rates(TrendVerdict v, TrendSeries... series) {
        List<String> parts = new ArrayList<>();
        for (TrendSeries s : series) {
            boolean shown = v.grows(s) || s == v.basis(); // an inferred basis may rise without growing by the rule
            parts.add(s.label() + " " + (shown ? rate(v.fit(s).slopePerHour()) : "flat"));
        }
        return String.join(", ", parts);
    }

    private static String slopes(TrendVerdict v, TrendSeries... series) {
        List<String> parts = new ArrayList<>();
        for (TrendSeries s : series) {
            parts.add(s.label() + " " + rate(v.fit(s).slopePerHour()));
        }
        return String.join(", ", parts);
    }

    private static String rssRate(TrendVerdict v) {
        return " (rss " + rate(v.fit(TrendSeries.RSS).slopePerHour()) + ")";
    }

    /** {@code confidence high: 121 samples over 10 min, R² 0.99 (external)} */
    public static String confidenceText(TrendVerdict v) {
        String base = "confidence " + v.confidence().id() + ": " + v.samples() + (v.samples() == 1 ? " sample" : " samples")
                + " over " + duration(v.spanMillis());
        return switch (v.kind()) {
            case UNKNOWN -> base;
            case STABLE -> base + (v.inferred() ? "; RSS rose " + change(v, TrendSeries.RSS) + " as V8 grew its heap ("
                    + "heapTotal " + change(v, TrendSeries.HEAP_TOTAL) + ") while heapUsed stayed flat: V8 sizing its "
                    + "heap to the load, not kept objects; watch longer to be sure"
                    : v.confidence() == TrendVerdict.Confidence.LOW && v.samples() >= 10
                    ? "; some series move, but not clearly enough to call growth"
                    : "; growth counts from " + bytes(Math.round(v.materialBytes())) + " over the watch");
            default -> {
                TrendFit f = v.fit(v.basis());
                String fit = ", R² " + r2(f.r2()) + " (" + v.basis().label() + ")";
                String why = v.inferred() ? "; RSS grows, but no part of it clearly does"
                        : v.samples() < 10 ? "; watch longer to be sure" : "";
                yield base + fit + why;
            }
        };
    }

    /** What a series' line rises over the watch: {@code +2.6 MiB}. */
    private static String change(TrendVerdict v, TrendSeries s) {
        return signed(Math.round(v.fit(s).change(v.spanMillis() / 3_600_000.0)));
    }

    /** What to do next, or null. */
    static String advice(TrendVerdict v) {
        return switch (v.kind()) {
            case NATIVE -> "The JS heap is not what grows, so --max-old-space-size cannot help. A heap snapshot "
                    + "(leakhunt snapshot, or --snapshot-when here) groups the ArrayBuffer backing stores by who "
                    + "holds them.";
            case JS_HEAP -> "Objects stay alive on the JS heap: two heap snapshots a while apart (leakhunt diff) "
                    + "show what is new and who holds it.";
            case OUTSIDE_V8 -> "Heap snapshots do not see this memory: look at native addons, WebAssembly.Memory "
                    + "growth, or the allocator (e.g. MALLOC_ARENA_MAX=2, or jemalloc).";
            case GROWING -> "Watch without --no-inspector to tell whether it is the JS heap, ArrayBuffers or "
                    + "memory outside V8.";
            default -> null;
        };
    }

    // ---- CSV --------------------------------------------------------------------------------------------------

    public static String csvHeader() {
        return "time,elapsedSeconds,rss,peakRss,heapTotal,heapUsed,external,arrayBuffers";
    }

    /** One sample: UTC time, seconds since the first sample, then bytes; V8 cells empty without the inspector. */
    public String csvRow(TrendSample s) {
        StringBuilder sb = new StringBuilder();
        sb.append(Instant.ofEpochMilli(start.toEpochMilli() + s.elapsedMillis())).append(',')
                .append(String.format(Locale.ROOT, "%.3f", s.elapsedMillis() / 1000.0)).append(',')
                .append(s.rssBytes()).append(',').append(s.peakRssBytes());
        for (long value : new long[] {s.heapTotalBytes(), s.heapUsedBytes(), s.externalBytes(),
                s.arrayBuffersBytes()}) {
            sb.append(',');
            if (s.hasV8()) {
                sb.append(value);
            }
        }
        return sb.toString();
    }

    // ---- JSON -------------------------------------------------------------------------------------------------

    /**
     * The watch's part of the JSON document: {@code process}, {@code watch}, {@code samples}, {@code series},
     * {@code verdict}, {@code captures} (the snapshots taken, in order; {@code capture} is the first, when one was),
     * {@code actions} (what --then exec or signal did) and {@code metrics}.
     */
    public void json(JsonReport report, long durationMillis, String ended, List<TrendSample> samples,
                     TrendVerdict v, List<Capture> captures, List<Action> actions) {
        JsonGenerator g = report.generator();
        try {
            g.writeObjectFieldStart("process");
            g.writeNumberField("pid", target.pid());
            g.writeStringField("command", target.command());
            g.writeStringField("title", target.title());
            g.writeStringField("nodeVersion", target.nodeVersion());
            g.writeStringField("inspector", target.inspector());
            g.writeBooleanField("openedInspector", target.openedInspector());
            g.writeEndObject();

            g.writeObjectFieldStart("watch");
            g.writeStringField("startedAt", start.toString());
            g.writeNumberField("intervalMillis", intervalMillis);
            g.writeNumberField("durationMillis", durationMillis);
            g.writeNumberField("elapsedMillis", samples.isEmpty() ? 0 : samples.get(samples.size() - 1).elapsedMillis());
            g.writeStringField("ended", ended);
            g.writeEndObject();

            g.writeArrayFieldStart("samples");
            for (TrendSample s : samples) {
                g.writeStartObject();
                g.writeNumberField("elapsedMillis", s.elapsedMillis());
                g.writeNumberField("rss", s.rssBytes());
                g.writeNumberField("peakRss", s.peakRssBytes());
                if (s.hasV8()) {
                    g.writeNumberField("heapTotal", s.heapTotalBytes());
                    g.writeNumberField("heapUsed", s.heapUsedBytes());
                    g.writeNumberField("external", s.externalBytes());
                    g.writeNumberField("arrayBuffers", s.arrayBuffersBytes());
                }
                g.writeEndObject();
            }
            g.writeEndArray();

            g.writeObjectFieldStart("series");
            for (TrendSeries s : TrendSeries.values()) {
                TrendFit f = v.fit(s);
                if (f != null) {
                    g.writeObjectFieldStart(s.label());
                    g.writeNumberField("first", Math.round(f.first()));
                    g.writeNumberField("last", Math.round(f.last()));
                    g.writeNumberField("slopeBytesPerHour", f.slopePerHour());
                    number(g, "slopeStdErrBytesPerHour", f.slopeStdErrPerHour());
                    g.writeNumberField("r2", f.r2());
                    g.writeBooleanField("grows", v.grows(s));
                    g.writeEndObject();
                }
            }
            g.writeEndObject();

            g.writeObjectFieldStart("verdict");
            g.writeStringField("kind", v.kind().id());
            g.writeStringField("text", verdictText(v));
            g.writeStringField("confidence", v.confidence().id());
            g.writeStringField("basis", v.basis() == null ? null : v.basis().label());
            if (v.basis() != null) {
                g.writeNumberField("r2", v.fit(v.basis()).r2());
            }
            g.writeNumberField("samples", v.samples());
            g.writeNumberField("spanMillis", v.spanMillis());
            g.writeNumberField("materialBytes", Math.round(v.materialBytes()));
            g.writeObjectFieldStart("bytesPerHour");
            for (TrendSeries s : TrendSeries.values()) {
                if (v.fit(s) != null) {
                    g.writeNumberField(s.label(), v.fit(s).slopePerHour());
                }
            }
            g.writeEndObject();
            g.writeArrayFieldStart("growing");
            for (TrendSeries s : v.growing()) {
                g.writeString(s.label());
            }
            g.writeEndArray();
            g.writeEndObject();

            if (!captures.isEmpty()) {
                g.writeFieldName("capture");
                capture(g, report, captures.get(0));
            }
            g.writeArrayFieldStart("captures");
            for (Capture c : captures) {
                capture(g, report, c);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("actions");
            for (Action a : actions) {
                g.writeStartObject();
                g.writeNumberField("atMillis", a.atMillis());
                g.writeStringField("trigger", a.trigger());
                g.writeStringField("action", a.action());
                g.writeStringField(a.action().equals("exec") ? "command" : "signal", a.argument());
                if (a.action().equals("exec") && a.exitCode() >= 0) {
                    g.writeNumberField("exitCode", a.exitCode());
                } else if (a.action().equals("exec")) {
                    g.writeNullField("exitCode");
                }
                g.writeStringField("error", a.error());
                g.writeEndObject();
            }
            g.writeEndArray();
            report.metrics(v.metrics());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code then: ran 'systemctl restart api' at 01:05 (rss-bytes > 1.5GiB): exit 0}, a line per action. */
    public void actions(PrintWriter out, List<Action> actions) {
        for (Action a : actions) {
            String what = a.action().equals("exec") ? "ran '" + a.argument() + "'" : "sent SIG" + a.argument()
                    + " to pid " + target.pid();
            String outcome = a.error() != null ? "failed: " + a.error()
                    : a.action().equals("exec") ? "exit " + a.exitCode() : "delivered";
            out.println("then: " + what + " at " + clock(a.atMillis(), false) + " (" + a.trigger() + "): " + outcome);
        }
    }

    private static void capture(JsonGenerator g, JsonReport report, Capture capture) throws IOException {
        g.writeStartObject();
        g.writeNumberField("atMillis", capture.atMillis());
        g.writeStringField("trigger", capture.trigger());
        g.writeStringField("file", capture.file());
        g.writeNumberField("bytes", capture.bytes());
        g.writeNumberField("captureMillis", capture.captureMillis());
        g.writeStringField("error", capture.error());
        if (capture.analysis() != null) {
            g.writeObjectFieldStart("analysis");
            report.analysis(capture.analysis());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void number(JsonGenerator g, String name, double value) throws IOException {
        if (Double.isFinite(value)) {
            g.writeNumberField(name, value);
        } else {
            g.writeNullField(name);
        }
    }

    /** The line under the chart's title: who, how often, since when. */
    public String chartSubtitle(int samples) {
        String when = java.time.ZonedDateTime.ofInstant(start, java.time.ZoneId.systemDefault())
                .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT));
        return "pid " + target.pid() + " " + target.command()
                + (target.nodeVersion() == null || target.nodeVersion().isEmpty() ? "" : " · Node " + target.nodeVersion())
                + " · " + samples + (samples == 1 ? " sample" : " samples") + " every " + duration(intervalMillis)
                + " from " + when;
    }

    // ---- wording ----------------------------------------------------------------------------------------------

    /** {@code +8.2 MiB}, {@code -1.0 KiB}, {@code 0 B}. */
    public static String signed(long bytes) {
        return bytes == 0 ? "0 B" : (bytes < 0 ? "-" : "+") + Units.bytes(Math.abs(bytes));
    }

    /** Elapsed time as a clock: {@code 0:05}, {@code 1:02:03}, or {@code 0:05.5} with tenths. */
    public static String clock(long millis, boolean tenths) {
        long seconds = millis / 1000;
        String clock = seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
        return tenths ? clock + "." + (millis % 1000) / 100 : clock;
    }

    /** A length of time for people: {@code 500 ms}, {@code 5 s}, {@code 1.5 s}, {@code 10 min}, {@code 1 h 30 min}. */
    public static String duration(long millis) {
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 59_950) {
            long tenths = Math.round(millis / 100.0);
            return tenths % 10 == 0 ? tenths / 10 + " s" : String.format(Locale.ROOT, "%.1f s", tenths / 10.0);
        }
        long seconds = Math.round(millis / 1000.0);
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        StringBuilder sb = new StringBuilder();
        if (h > 0) {
            sb.append(h).append(" h");
        }
        if (m > 0) {
            sb.append(sb.length() > 0 ? " " : "").append(m).append(" min");
        }
        if (s > 0 && h == 0) {
            sb.append(sb.length() > 0 ? " " : "").append(s).append(" s");
        }
        return sb.toString();
    }

    static String r2(double r2) {
        return String.format(Locale.ROOT, "%.2f", r2);
    }
}
