package dev.leakhunt.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.leakhunt.analysis.Units;
import dev.leakhunt.inspector.NodeProcesses;
import dev.leakhunt.report.JsonReport;
import dev.leakhunt.report.Table;
import dev.leakhunt.report.WatchReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code leakhunt ps}: the Node.js processes on this machine, ranked by how fast their RSS grows. */
@Command(name = "ps", mixinStandardHelpOptions = true,
        description = {"List the Node.js processes on this machine (by executable, as 'snapshot' decides; those in "
                + "containers too, with their container id and cgroup memory limit), with RSS and its growth over "
                + "a short sample, the fastest growing first, and the command to run next.",
                "Reads /proc only: no signal, no inspector. Run as root to see every user's processes."})
final class PsCommand extends BaseCommand {
    @Option(names = "--sample", paramLabel = "TIME", defaultValue = "5s", converter = DurationConverter.class,
            description = "How long to measure RSS growth over: 2s, 5s, 1m; 0 for none (default: ${DEFAULT-VALUE}).")
    long sampleMillis;

    @Option(names = "--tree", description = "Show each process under its parent (a proxy and the child it wraps); "
            + "a tree ranks by its fastest growing process.")
    boolean tree;

    @Option(names = "--json", description = "Print one JSON document (schema leakhunt/1) on stdout instead of text.")
    boolean json;

    /** A process with its growth over the sample (0 without one; -1 when it exited meanwhile). */
    record Row(NodeProcesses.Info info, long growthBytes, int depth) {
    }

    @Override
    public Integer call() throws Exception {
        NodeProcesses all = NodeProcesses.system();
        List<NodeProcesses.Info> first = all.list();
        long growthBase = System.nanoTime();
        if (sampleMillis > 0 && !first.isEmpty()) {
            if (!json && stderrIsTerminal()) {
                err().println(spec.qualifiedName() + ": measuring RSS growth for "
                        + WatchReport.duration(sampleMillis) + " …");
                err().flush();
            }
            TimeUnit.MILLISECONDS.sleep(sampleMillis); // the sample itself: the growth is measured over it
        }
        long measured = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - growthBase);
        List<Row> rows = new ArrayList<>();
        for (NodeProcesses.Info p : first) {
            long now = sampleMillis > 0 ? all.rss(p.pid(), p.startTicks()) : p.rssBytes();
            if (now < 0) {
                continue; // exited meanwhile
            }
            NodeProcesses.Info current = new NodeProcesses.Info(p.pid(), p.ppid(), p.startTicks(), p.command(), now,
                    p.limitBytes(), p.cgroup(), p.container(), p.innerPid());
            rows.add(new Row(current, now - p.rssBytes(), 0));
        }
        rows = tree ? asTree(rows) : ranked(rows);
        if (json) {
            json(rows, measured);
        } else {
            text(out(), rows);
        }
        return ExitCodes.OK;
    }

    private static List<Row> ranked(List<Row> rows) {
        List<Row> out = new ArrayList<>(rows);
        out.sort(Comparator.comparingLong(Row::growthBytes).reversed()
                .thenComparing(Comparator.comparingLong((Row r) -> r.info().rssBytes()).reversed()));
        return out;
    }

    /** Each process under its parent (when the parent is listed), trees ranked by their fastest growing process. */
    static List<Row> asTree(List<Row> rows) {
        Map<Long, Row> byPid = new LinkedHashMap<>();
        for (Row r : rows) {
            byPid.put(r.info().pid(), r);
        }
        Map<Long, List<Row>> children = new HashMap<>();
        List<Row> roots = new ArrayList<>();
        for (Row r : rows) {
            if (byPid.containsKey(r.info().ppid()) && r.info().ppid() != r.info().pid()) {
                children.computeIfAbsent(r.info().ppid(), k -> new ArrayList<>()).add(r);
            } else {
                roots.add(r);
            }
        }
        Map<Long, Long> best = new HashMap<>();
        for (Row root : roots) {
            best.put(root.info().pid(), maxGrowth(root, children));
        }
        roots.sort(Comparator.comparingLong((Row r) -> best.get(r.info().pid())).reversed()
                .thenComparing(Comparator.comparingLong((Row r) -> r.info().pid())));
        List<Row> out = new ArrayList<>();
        List<Row> stack = new ArrayList<>(); // depth-first without recursion: process trees can be deep
        for (int i = roots.size() - 1; i >= 0; i--) {
            stack.add(roots.get(i));
        }
        while (!stack.isEmpty()) {
            Row r = stack.remove(stack.size() - 1);
            out.add(r);
            List<Row> kids = new ArrayList<>(children.getOrDefault(r.info().pid(), List.of()));
            kids.sort(Comparator.comparingLong((Row k) -> k.info().pid()));
            for (int i = kids.size() - 1; i >= 0; i--) {
                Row k = kids.get(i);
                stack.add(new Row(k.info(), k.growthBytes(), r.depth() + 1));
            }
        }
        return out;
    }

    private static long maxGrowth(Row root, Map<Long, List<Row>> children) {
        long best = root.growthBytes();
        List<Row> todo = new ArrayList<>(children.getOrDefault(root.info().pid(), List.of()));
        while (!todo.isEmpty()) {
            Row r = todo.remove(todo.size() - 1);
            best = Math.max(best, r.growthBytes());
            todo.addAll(children.getOrDefault(r.info().pid(), List.of()));
        }
        return best;
    }

    private void text(PrintWriter out, List<Row> rows) {
        if (rows.isEmpty()) {
            out.println("No Node.js processes" + (isRoot() ? "." : " that this user may read (run as root to see "
                    + "every user's)."));
            return;
        }
        String growth = sampleMillis > 0 ? "growth/" + WatchReport.duration(sampleMillis) : "growth";
        Table t = new Table("pid", "ppid", "rss", growth, "limit", "container", "command").rightAligned(0, 1, 2, 3, 4);
        for (Row r : rows) {
            NodeProcesses.Info p = r.info();
            String indent = r.depth() == 0 ? "" : "  ".repeat(r.depth() - 1) + "└ ";
            t.row(Long.toString(p.pid()), Long.toString(p.ppid()), Units.bytes(p.rssBytes()),
                    sampleMillis > 0 ? signed(r.growthBytes()) : "-",
                    p.limitBytes() < 0 ? "-" : Units.bytes(p.limitBytes()),
                    p.container() == null ? "-" : p.container() + (p.innerPid() != p.pid() ? " (pid " + p.innerPid()
                            + ")" : ""),
                    indent + p.command());
        }
        t.print(out, "");
        out.println();
        Row top = rows.stream().max(Comparator.comparingLong(Row::growthBytes)).orElseThrow();
        if (sampleMillis > 0 && top.growthBytes() > 0) {
            long pid = top.info().pid();
            out.println("Growing fastest: pid " + pid + " (" + signed(top.growthBytes()) + " in "
                    + WatchReport.duration(sampleMillis) + "). Next: leakhunt watch " + pid
                    + " --interval 5s --duration 10m   (which memory grows: JS heap or native)");
            out.println("      then: leakhunt snapshot " + pid + "   (what holds it)");
        } else {
            out.println("None grew over " + (sampleMillis > 0 ? WatchReport.duration(sampleMillis)
                    : "a sample (--sample 0)") + ". A leak may grow slowly: leakhunt watch PID --no-inspector "
                    + "--interval 1m --duration 2h");
        }
    }

    private static String signed(long bytes) {
        return (bytes > 0 ? "+" : bytes < 0 ? "-" : "") + Units.bytes(Math.abs(bytes));
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private void json(List<Row> rows, long measuredMillis) throws IOException {
        try (JsonReport report = new JsonReport(out(), "ps")) {
            JsonGenerator g = report.generator();
            g.writeNumberField("sampleMillis", sampleMillis > 0 ? measuredMillis : 0);
            g.writeArrayFieldStart("processes");
            for (Row r : rows) {
                NodeProcesses.Info p = r.info();
                g.writeStartObject();
                g.writeNumberField("pid", p.pid());
                g.writeNumberField("ppid", p.ppid());
                g.writeStringField("command", p.command());
                g.writeNumberField("rssBytes", p.rssBytes());
                if (sampleMillis > 0) {
                    g.writeNumberField("growthBytes", r.growthBytes());
                } else {
                    g.writeNullField("growthBytes");
                }
                if (p.limitBytes() < 0) {
                    g.writeNullField("cgroupLimitBytes");
                } else {
                    g.writeNumberField("cgroupLimitBytes", p.limitBytes());
                }
                g.writeStringField("cgroup", p.cgroup());
                g.writeStringField("container", p.container());
                g.writeNumberField("pidInNamespace", p.innerPid());
                g.writeNumberField("depth", r.depth());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
    }
}
