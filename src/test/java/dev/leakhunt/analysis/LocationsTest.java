package dev.leakhunt.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leakhunt.graph.HeapGraph;
import dev.leakhunt.snapshot.SnapshotFormatException;
import dev.leakhunt.snapshot.SnapshotReader;
import dev.leakhunt.testing.SnapshotBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where in the code, from a snapshot's {@code locations}: the script of a location is named by a located closure's
 * function info, a package's file shows as {@code <package>/<path>}, one under the working directory relative to it.
 */
class LocationsTest {
    @TempDir
    Path dir;

    /** A closure of a function of {@code script}, under global; returns the closure. */
    private static int closureOf(SnapshotBuilder b, int global, String name, String script) {
        int closure = b.node("closure", name, 32);
        int shared = b.node("code", name, 40);
        int scriptNode = b.node("code", script, 100);
        b.edge(closure, "internal", "shared", shared).edge(shared, "internal", "script_or_debug_info", scriptNode);
        b.prop(global, name, closure);
        return closure;
    }

    @Test
    void closuresAndObjectsShowTheirScriptLineAndColumn() throws IOException {
        String here = Path.of("").toAbsolutePath().resolve("src/server.js").toString();
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 40);
        b.edge(b.root(), "shortcut", "global", global);
        int handler = closureOf(b, global, "onDone", here);
        int open = closureOf(b, global, "Database", "/srv/app/node_modules/sql.js/dist/sql-wasm.js");
        // an object made by class Request: V8 writes its constructor's position for it too; the reader keeps the
        // class's (a closure's) only, and the object finds it through its prototype's constructor
        int requestClass = closureOf(b, global, "Request", here);
        int prototype = b.node("object", "Object", 24);
        b.prop(requestClass, "prototype", prototype).prop(prototype, "constructor", requestClass);
        int request = b.node("object", "Request", 48);
        b.prop(global, "request", request).prop(request, "__proto__", prototype);
        int plain = b.node("object", "Plain", 48);
        b.prop(global, "plain", plain);
        b.location(handler, 7, 26, 42).location(open, 9, 0, 2344).location(requestClass, 7, 3, 0)
                .location(request, 7, 3, 0);
        Describer d = new Describer(HeapGraph.build(new SnapshotReader(b.write(dir.resolve("l.heapsnapshot"))).read()));

        SourceLocation at = d.location(handler);
        assertEquals(new SourceLocation(here, 27, 43, "src/server.js:27:43"), at, "1-based, relative to here");
        assertEquals("sql.js/dist/sql-wasm.js:1:2345", d.location(open).shown(), "a package's file by its package");
        assertEquals("/srv/app/node_modules/sql.js/dist/sql-wasm.js", d.location(open).script());
        assertEquals("src/server.js:4:1", d.location(request).shown(), "an object: its constructor's script, by id");
        assertNull(d.location(plain), "no location recorded");
        assertEquals(d.location(handler), d.ref(handler).location());
        HeapGraph g = d.graph();
        assertEquals(-1, g.snapshot().locations().find(request), "objects' own entries are not kept");
        assertEquals(3, g.snapshot().locations().size(), "the three closures'");
    }

    @Test
    void aSnapshotWithoutLocationsHasNone() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 40);
        b.edge(b.root(), "shortcut", "global", global);
        int handler = closureOf(b, global, "onDone", "/srv/app.js");
        Describer d = new Describer(HeapGraph.build(new SnapshotReader(b.write(dir.resolve("n.heapsnapshot"))).read()));
        assertNull(d.location(handler));
    }

    @Test
    void aLocationThatNamesNoNodeIsRefused() throws IOException {
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 40);
        b.edge(b.root(), "shortcut", "global", global);
        b.location(99, 1, 0, 0);
        Path file = b.write(dir.resolve("bad.heapsnapshot"));
        String message = assertThrows(SnapshotFormatException.class, () -> new SnapshotReader(file).read())
                .getMessage();
        assertTrue(message.startsWith("corrupt snapshot '" + file + "' (location 0 names node field index "),
                message);
        // a cut record is refused too
        Files.writeString(file, Files.readString(file).replaceFirst("\"locations\":\\[([0-9]+),1,0,0\\]",
                "\"locations\":[$1,1,0]"));
        assertThrows(SnapshotFormatException.class, () -> new SnapshotReader(file).read());
    }

    @Test
    void aContextShowsTheFunctionThatCreatedIt() throws IOException {
        // makeCounter(seed) { let big = …; return function inc() {…} }: the context of makeCounter's call holds big;
        // it points to makeCounter's scope info, which makeCounter's function info names (name_or_scope_info)
        String here = Path.of("").toAbsolutePath().resolve("lib/counter.js").toString();
        SnapshotBuilder b = new SnapshotBuilder();
        int global = b.node("object", "global", 40);
        b.edge(b.root(), "shortcut", "global", global);
        int makeCounter = closureOf(b, global, "makeCounter", here);
        int counters = b.node("object", "Counters", 24); // inc lies deeper than makeCounter: the scope info's
        b.prop(global, "counters", counters);            // nearest holder is makeCounter's function info
        int inc = closureOf(b, counters, "inc", here);
        int scope = b.node("code", "system / ScopeInfo", 64);
        int makeShared = makeCounter + 1; // closureOf's function info
        b.edge(makeShared, "internal", "name_or_scope_info", scope);
        int context = b.node("object", "system / Context", 48);
        b.edge(context, "internal", "scope_info", scope).edge(inc, "internal", "context", context);
        // a context whose creator has no closure left: a function created in it stands in (a line inside it)
        int orphanScope = b.node("code", "system / ScopeInfo", 64);
        int orphan = b.node("object", "system / Context", 48);
        int inner = closureOf(b, global, "onTick", here);
        b.edge(orphan, "internal", "scope_info", orphanScope).edge(inner, "internal", "context", orphan);
        int lone = b.node("object", "system / Context", 48);
        b.prop(global, "lone", lone);
        b.location(makeCounter, 3, 1, 20).location(inc, 3, 4, 9).location(inner, 3, 11, 30);
        Describer d = new Describer(HeapGraph.build(new SnapshotReader(b.write(dir.resolve("c.heapsnapshot"))).read()));

        assertEquals("lib/counter.js:2:21", d.location(context).shown(), "makeCounter's, not inc's (5:10)");
        assertEquals("lib/counter.js:12:31", d.location(orphan).shown());
        assertNull(d.location(lone), "no scope info, no closure in it");
    }
}
