package dev.leakhunt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.analysis.Trend;
import dev.leakhunt.analysis.TrendSample;
import dev.leakhunt.analysis.TrendVerdict;
import dev.leakhunt.analysis.Units;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The words, rows, CSV and chart of a watch, from synthetic samples. */
class WatchReportTest {
    private static final long MIB = 1 << 20;
    private static final String SVG_NS = "http://www.w3.org/2000/svg";
    private static final WatchReport.Target NODE = new WatchReport.Target(4242, "'node server.js'", "node",
            "v20.11.1", "127.0.0.1:9229", true);
    private static final Instant START = Instant.parse("2025-01-02T03:04:05Z");

    /** 61 samples a minute apart. */
    private static List<TrendSample> samples(IntFunction<TrendSample> sample) {
        List<TrendSample> samples = new ArrayList<>();
        for (int i = 0; i <= 60; i++) {
            samples.add(sample.apply(i));
        }
        return samples;
    }

    /** The seed story's shape: +2 MiB of ArrayBuffers a minute, everything else flat. */
    private static List<TrendSample> nativeLeak() {
        return samples(i -> new TrendSample(i * 60_000L, 100 * MIB + i * 2 * MIB, 100 * MIB + i * 2 * MIB, 24 * MIB,
                20 * MIB + (i % 3) * MIB, 30 * MIB + i * 2 * MIB, 10 * MIB + i * 2 * MIB));
    }

    @Test
    void saysEachKindInOneLine() {
        // Stable at low confidence says so: a warming heap, V8 sizing itself to the load.
        TrendVerdict warming = Trend.judge(samples(i -> new TrendSample(i * 60_000L, 100 * MIB + i * MIB / 2, 0,
                40 * MIB + i * MIB / 2, 30 * MIB + (i % 4) * MIB, 5 * MIB, MIB)));
        assertEquals("stable: nothing grows clearly (rss +30.0 MiB/h, heapUsed +97.5 KiB/h, external 0 B/h)",
                WatchReport.verdictText(warming));
        assertEquals("confidence low: 61 samples over 1 h; RSS rose +30.0 MiB as V8 grew its heap (heapTotal "
                + "+30.0 MiB) while heapUsed stayed flat: V8 sizing its heap to the load, not kept objects; watch "
                + "longer to be sure", WatchReport.confidenceText(warming));
        assertEquals("native leak: external +120.0 MiB/h, arrayBuffers +120.0 MiB/h, heapUsed flat (rss +120.0 MiB/h)",
                WatchReport.verdictText(Trend.judge(nativeLeak())));
        assertEquals("JS-heap leak: heapUsed +60.0 MiB/h, heapTotal +60.0 MiB/h, external flat (rss +60.0 MiB/h)",
                WatchReport.verdictText(Trend.judge(samples(i -> new TrendSample(i * 60_000L, 100 * MIB + i * MIB,
                        0, 40 * MIB + i * MIB, 30 * MIB + i * MIB, 5 * MIB, MIB)))));
        assertEquals("RSS grows outside V8 (native addon, allocator, WebAssembly memory): rss +180.0 MiB/h, "
                        + "heapTotal flat, external flat",
                WatchReport.verdictText(Trend.judge(samples(i -> new TrendSample(i * 60_000L, 100 * MIB + 3 * i * MIB,
                        0, 40 * MIB, 30 * MIB, 5 * MIB, MIB)))));
        assertEquals("stable: nothing grows (rss 0 B/h, heapUsed 0 B/h, external 0 B/h)",
                WatchReport.verdictText(Trend.judge(samples(i -> new TrendSample(i * 60_000L, 100 * MIB, 0, 40 * MIB,
                        30 * MIB, 5 * MIB, MIB)))));
        assertEquals("RSS grows +60.0 MiB/h (sampled without the inspector: where in the process is not known)",
                WatchReport.verdictText(Trend.judge(samples(i -> TrendSample.rssOnly(i * 60_000L, 100 * MIB + i * MIB,
                        100 * MIB + i * MIB)))));
        assertEquals("no verdict: 1 sample over 0 ms (a line needs 3 or more)",
                WatchReport.verdictText(Trend.judge(List.of(TrendSample.rssOnly(0, MIB, MIB)))));
    }

    @Test
    void saysHowSureAndWhatToDo() {
        TrendVerdict v = Trend.judge(nativeLeak());
        assertEquals("confidence high: 61 samples over 1 h, R² 1.00 (external)", WatchReport.confidenceText(v));
        StringWriter text = new StringWriter();
        new WatchReport(NODE, START, 60_000).verdict(new PrintWriter(text, true), v, "watched for 1 h");
        assertEquals(String.join("\n",
                "",
                "Verdict: " + WatchReport.verdictText(v),
                "  " + WatchReport.confidenceText(v),
                "  The JS heap is not what grows, so --max-old-space-size cannot help. A heap snapshot (leakhunt "
                        + "snapshot, or --snapshot-when here) groups the ArrayBuffer backing stores by who holds them.",
                "",
                "Series over the watch (watched for 1 h)",
                "  series            first       last      change         slope    R²",
                "  rss           100.0 MiB  220.0 MiB  +120.0 MiB  +120.0 MiB/h  1.00  grows",
                "  heapTotal      24.0 MiB   24.0 MiB         0 B         0 B/h  0.00",
                "  heapUsed       20.0 MiB   20.0 MiB         0 B   +32.5 KiB/h  0.00",
                "  external       30.0 MiB  150.0 MiB  +120.0 MiB  +120.0 MiB/h  1.00  grows",
                "  arrayBuffers   10.0 MiB  130.0 MiB  +120.0 MiB  +120.0 MiB/h  1.00  grows",
                "  outsideV8      46.0 MiB   46.0 MiB         0 B         0 B/h  0.00",
                ""), text.toString());
    }

    @Test
    void rowsAlignUnderTheHeader() {
        WatchReport report = new WatchReport(NODE, START, 5000);
        List<TrendSample> samples = nativeLeak();
        assertEquals("time           rss  heapTotal   heapUsed   external  arrayBuffers       Δ rss", report.header());
        assertEquals("0:00     100.0 MiB   24.0 MiB   20.0 MiB   30.0 MiB      10.0 MiB         0 B",
                report.row(samples.get(0), samples.get(0)));
        assertEquals("1:00:00  220.0 MiB   24.0 MiB   20.0 MiB  150.0 MiB     130.0 MiB  +120.0 MiB",
                report.row(samples.get(60), samples.get(0)));
        assertEquals(report.header().length(), report.row(samples.get(1), samples.get(0)).length());
        assertEquals(report.header().length(), report.row(samples.get(60), samples.get(0)).length());

        WatchReport proc = new WatchReport(new WatchReport.Target(1, "'sleep 9'", null, null, null, false), START, 500);
        assertEquals("time             rss   peak rss       Δ rss", proc.header());
        assertEquals("0:01.5       1.0 MiB    3.0 MiB    -1.0 MiB",
                proc.row(TrendSample.rssOnly(1500, MIB, 3 * MIB), TrendSample.rssOnly(0, 2 * MIB, 3 * MIB)));
    }

    @Test
    void csvHasUtcTimesAndBytes() {
        WatchReport report = new WatchReport(NODE, START, 5000);
        assertEquals("time,elapsedSeconds,rss,peakRss,heapTotal,heapUsed,external,arrayBuffers", WatchReport.csvHeader());
        assertEquals("2025-01-02T03:04:10.250Z,5.250,100,200,30,20,10,5",
                report.csvRow(new TrendSample(5250, 100, 200, 30, 20, 10, 5)));
        assertEquals("2025-01-02T03:04:05Z,0.000,100,200,,,,", report.csvRow(TrendSample.rssOnly(0, 100, 200)));
    }

    @Test
    void timesAndRatesForPeople() {
        assertEquals("0:05", WatchReport.clock(5_999, false));
        assertEquals("0:05.9", WatchReport.clock(5_999, true));
        assertEquals("1:02:03", WatchReport.clock(3_723_000, false));
        assertEquals("500 ms", WatchReport.duration(500));
        assertEquals("3 s", WatchReport.duration(3_040));
        assertEquals("1.5 s", WatchReport.duration(1_500));
        assertEquals("10 min", WatchReport.duration(600_000));
        assertEquals("1 min 30 s", WatchReport.duration(90_000));
        assertEquals("2 h 5 min", WatchReport.duration(7_500_000));
        assertEquals("+140.0 MiB/h", Units.rate(140.0 * MIB));
        assertEquals("-512 B/h", Units.rate(-512));
        assertEquals("0 B/h", Units.rate(0.3));
        assertEquals("+1.0 KiB", WatchReport.signed(1024));
        assertEquals("-1.0 MiB", WatchReport.signed(-MIB));
    }

    // ---- the chart ----------------------------------------------------------------------------------------------

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> byClass(Document doc, String tag, String cssClass) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagNameNS(SVG_NS, tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (e.getAttribute("class").equals(cssClass)) {
                found.add(e);
            }
        }
        return found;
    }

    @Test
    void theChartIsWellFormedWithFiveSeriesTheVerdictAndTheSnapshot() throws Exception {
        List<TrendSample> samples = nativeLeak();
        TrendVerdict v = Trend.judge(samples);
        String svg = SvgChart.render(samples, v, "pid 1 'node -e \"a<b && c>d\"' · 61 samples", new long[] {1_800_000});
        Document doc = parse(svg);
        List<Element> series = byClass(doc, "polyline", "series");
        assertEquals(List.of("rss", "heapTotal", "heapUsed", "external", "arrayBuffers"),
                series.stream().map(e -> e.getAttribute("data-series")).toList());
        for (Element line : series) {
            String[] points = line.getAttribute("points").split(" ");
            assertEquals(61, points.length);
            for (String point : points) {
                String[] xy = point.split(",");
                double x = Double.parseDouble(xy[0]);
                double y = Double.parseDouble(xy[1]);
                assertTrue(x >= 88 && x <= 660 && y >= 96 && y <= 530, point);
            }
        }
        // The fitted lines of the three series that grow, the snapshot mark, the escaped subtitle.
        assertEquals(List.of("rss", "external", "arrayBuffers"),
                byClass(doc, "line", "fit").stream().map(e -> e.getAttribute("data-series")).toList());
        assertEquals(1, byClass(doc, "g", "mark").size());
        assertEquals("pid 1 'node -e \"a<b && c>d\"' · 61 samples",
                byClass(doc, "text", "subtitle").get(0).getTextContent());
        assertEquals(WatchReport.verdictText(v), doc.getElementsByTagNameNS(SVG_NS, "title").item(0).getTextContent());
        assertEquals(WatchReport.verdictText(v), titleText(doc));
        // Axes in binary units and clock time: 0 … 250 MiB by 50 MiB; 0:00 … 1:00:00.
        assertTrue(svg.contains(">250 MiB</text>") && svg.contains(">50 MiB</text>"), svg);
        assertTrue(svg.contains(">1:00:00</text>") && svg.contains(">0:00</text>"), svg);
    }

    /** The title's lines joined. */
    private static String titleText(Document doc) {
        return String.join(" ", byClass(doc, "text", "title").stream().map(Element::getTextContent).toList());
    }

    @Test
    void theChartWithoutTheInspectorDrawsRssAndItsPeak() throws Exception {
        List<TrendSample> samples = samples(i -> TrendSample.rssOnly(i * 1000L, 2L * (1 << 30) + i * 20 * MIB,
                3L * (1 << 30)));
        TrendVerdict v = Trend.judge(samples);
        String svg = SvgChart.render(samples, v, "pid 1", new long[0]);
        Document doc = parse(svg);
        assertEquals(List.of("rss", "peak rss"),
                byClass(doc, "polyline", "series").stream().map(e -> e.getAttribute("data-series")).toList());
        assertEquals(WatchReport.verdictText(v), titleText(doc));
        // 0 … 3 GiB by 512 MiB; one minute by 10 s.
        for (String label : List.of(">512 MiB<", ">1 GiB<", ">1.5 GiB<", ">3 GiB<", ">0:50<", ">1:00<")) {
            assertTrue(svg.contains(label), label);
        }
    }

    @Test
    void aLongVerdictWrapsOntoTwoTitleLines() throws Exception {
        List<TrendSample> samples = samples(i -> new TrendSample(i * 60_000L, 100 * MIB + 3 * i * MIB, 0, 40 * MIB,
                30 * MIB, 5 * MIB, MIB));
        TrendVerdict v = Trend.judge(samples);
        Document doc = parse(SvgChart.render(samples, v, "pid 1", new long[0]));
        assertEquals(2, byClass(doc, "text", "title").size());
        assertEquals(WatchReport.verdictText(v), titleText(doc));
    }

    @Test
    void niceStepsInBinaryUnits() {
        assertEquals(50 * MIB, SvgChart.niceBytesStep(250 * MIB, 8));
        assertEquals(20 * MIB, SvgChart.niceBytesStep(150 * MIB, 8));
        assertEquals(1L << 30, SvgChart.niceBytesStep(6L << 30, 8));
        assertEquals(512 * MIB, SvgChart.niceBytesStep(3L << 30, 8));
        assertEquals(1 * MIB, SvgChart.niceBytesStep(5 * MIB, 8));
        assertEquals("250 MiB", SvgChart.tick(250 * MIB));
        assertEquals("2 GiB", SvgChart.tick(2L << 30));
        assertEquals("1200 MiB", SvgChart.tick(1200 * MIB));
        assertEquals("1.5 GiB", SvgChart.tick(1536 * MIB));
        assertEquals("0", SvgChart.tick(0));
    }
}
