package dev.leakhunt.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.leakhunt.analysis.Allocated;
import dev.leakhunt.analysis.AllocationStack;
import dev.leakhunt.analysis.AnalysisResult;
import dev.leakhunt.analysis.BufferGroup;
import dev.leakhunt.analysis.ChainStep;
import dev.leakhunt.analysis.ClassRow;
import dev.leakhunt.analysis.NodeRef;
import dev.leakhunt.analysis.Suspect;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.Map;

/**
 * The JSON document of a command (schema {@value #SCHEMA}): one object on stdout, sizes in bytes. Commands open
 * the document, write their parts with the methods here, and close it; the README documents the fields.
 */
public final class JsonReport implements AutoCloseable {
    public static final String SCHEMA = "leakhunt/1";

    private final JsonGenerator g;

    public JsonReport(Writer out, String command) {
        try {
            g = new JsonFactory().createGenerator(out);
            g.useDefaultPrettyPrinter();
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("schema", SCHEMA);
            g.writeStringField("command", command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The generator, for a command's own fields. */
    public JsonGenerator generator() {
        return g;
    }

    public JsonReport analysis(AnalysisResult r) {
        try {
            g.writeObjectFieldStart("snapshot");
            g.writeStringField("file", r.file());
            g.writeNumberField("nodeCount", r.nodeCount());
            g.writeNumberField("edgeCount", r.edgeCount());
            g.writeEndObject();
            AnalysisResult.Totals t = r.totals();
            g.writeObjectFieldStart("totals");
            g.writeNumberField("selfBytes", t.selfBytes());
            g.writeNumberField("nativeBytes", t.nativeBytes());
            g.writeNumberField("backingStores", t.backingStores());
            g.writeNumberField("extraNativeBytes", t.extraNativeBytes());
            g.writeNumberField("unreachableNodes", t.unreachableNodes());
            g.writeNumberField("unreachableBytes", t.unreachableBytes());
            g.writeEndObject();
            g.writeStringField("verdict", r.verdict());
            g.writeArrayFieldStart("groups");
            for (BufferGroup group : r.groups()) {
                group(group);
            }
            g.writeEndArray();
            suspects(r.suspects());
            classes(r.classes());
            metrics(r.metrics());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public void group(BufferGroup group) throws IOException {
        g.writeStartObject();
        g.writeNumberField("count", group.count());
        if (group.sizeBytes() != null) {
            g.writeNumberField("sizeBytes", group.sizeBytes());
        } else {
            g.writeNullField("sizeBytes");
        }
        g.writeNumberField("minBytes", group.minBytes());
        g.writeNumberField("maxBytes", group.maxBytes());
        g.writeNumberField("totalBytes", group.totalBytes());
        g.writeNumberField("sharingChain", group.sharingChain());
        g.writeFieldName("chain");
        chain(group.chain());
        g.writeFieldName("commonDominator");
        node(group.commonDominator());
        g.writeNumberField("commonDominatorStep", group.dominatorStep());
        nodeOrNull("holder", group.holder());
        g.writeNumberField("holderStep", group.holderStep());
        g.writeNumberField("holderCount", group.holderCount());
        alsoHeldBy(group.alsoHeldBy(), group.alsoHeldCount());
        strings("keys", group.keys());
        allocations(group.allocations());
        g.writeEndObject();
    }

    /**
     * {@code allocations}: null when the snapshot holds no stacks, else {@code [{count, frames: [{function, script,
     * line, column}]}]}, most members first, innermost frame first; {@code allocatedWhileTracked} (null when not
     * known) and {@code allocationsKnown}: how many members were allocated while tracked, and of how many V8 kept
     * the stack.
     */
    public void allocations(Allocated allocated) throws IOException {
        g.writeFieldName("allocations");
        if (allocated == null) {
            g.writeNull();
            g.writeNullField("allocatedWhileTracked");
            g.writeNullField("allocationsKnown");
            return;
        }
        g.writeStartArray();
        for (AllocationStack a : allocated.stacks()) {
            g.writeStartObject();
            g.writeNumberField("count", a.count());
            g.writeArrayFieldStart("frames");
            for (AllocationStack.Frame f : a.frames()) {
                g.writeStartObject();
                g.writeStringField("function", f.function());
                g.writeStringField("script", f.script());
                g.writeNumberField("line", f.line());
                g.writeNumberField("column", f.column());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        if (allocated.whileTracked() < 0) {
            g.writeNullField("allocatedWhileTracked");
        } else {
            g.writeNumberField("allocatedWhileTracked", allocated.whileTracked());
        }
        g.writeNumberField("allocationsKnown", allocated.known());
    }

    /**
     * {@code suspects[]}: {kind, holder, holderStep, chain, count, memberClass, bytes, share, keys, alsoHeldBy,
     * allocations}.
     */
    public void suspects(List<Suspect> suspects) throws IOException {
        g.writeArrayFieldStart("suspects");
        for (Suspect s : suspects) {
            g.writeStartObject();
            g.writeStringField("kind", s.kind());
            nodeOrNull("holder", s.holder());
            g.writeNumberField("holderStep", s.holderStep());
            g.writeNumberField("holderCount", s.holderCount());
            g.writeFieldName("chain");
            chain(s.chain());
            g.writeNumberField("count", s.count());
            g.writeStringField("memberClass", s.memberClass());
            g.writeNumberField("bytes", s.bytes());
            g.writeNumberField("share", Math.round(s.share() * 10_000) / 10_000.0);
            strings("keys", s.keys());
            alsoHeldBy(s.alsoHeldBy(), s.alsoHeldCount());
            allocations(s.allocations());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private void alsoHeldBy(String holderClass, int count) throws IOException {
        if (holderClass == null) {
            g.writeNullField("alsoHeldBy");
            return;
        }
        g.writeObjectFieldStart("alsoHeldBy");
        g.writeStringField("class", holderClass);
        g.writeNumberField("count", count);
        g.writeEndObject();
    }

    private void strings(String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    /** A node field, null when there is none. */
    public void nodeOrNull(String field, NodeRef n) throws IOException {
        g.writeFieldName(field);
        if (n == null) {
            g.writeNull();
        } else {
            node(n);
        }
    }

    public void chain(List<ChainStep> chain) throws IOException {
        g.writeStartArray();
        for (ChainStep step : chain) {
            g.writeStartObject();
            if (step.edgeType() != null) {
                g.writeStringField("edgeType", step.edgeType());
                g.writeStringField("edgeName", step.edgeName());
            }
            g.writeFieldName("node");
            node(step.node());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    public void node(NodeRef n) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", n.id());
        g.writeStringField("type", n.type());
        g.writeStringField("name", n.name());
        g.writeStringField("hint", n.hint());
        g.writeNumberField("selfBytes", n.selfBytes());
        g.writeNumberField("retainedBytes", n.retainedBytes());
        if (n.location() == null) {
            g.writeNullField("location");
        } else {
            g.writeObjectFieldStart("location");
            g.writeStringField("script", n.location().script());
            g.writeNumberField("line", n.location().line());
            g.writeNumberField("column", n.location().column());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    public void classes(List<ClassRow> rows) throws IOException {
        g.writeArrayFieldStart("classes");
        for (ClassRow row : rows) {
            g.writeStartObject();
            g.writeStringField("name", row.name());
            g.writeNumberField("count", row.count());
            g.writeNumberField("selfBytes", row.selfBytes());
            g.writeNumberField("retainedBytes", row.retainedBytes());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    public void metrics(Map<String, ? extends Number> metrics) throws IOException {
        g.writeObjectFieldStart("metrics");
        for (Map.Entry<String, ? extends Number> m : metrics.entrySet()) {
            Number v = m.getValue();
            if (v instanceof Double || v instanceof Float) {
                g.writeNumberField(m.getKey(), v.doubleValue());
            } else {
                g.writeNumberField(m.getKey(), v.longValue());
            }
        }
        g.writeEndObject();
    }

    /** The assertions that held, as written by the user. */
    public void failed(List<String> held) {
        try {
            g.writeArrayFieldStart("failed");
            for (String h : held) {
                g.writeString(h);
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            g.writeEndObject();
            g.writeRaw('\n');
            g.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
