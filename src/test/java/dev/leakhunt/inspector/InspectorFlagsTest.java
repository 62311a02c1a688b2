package dev.leakhunt.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class InspectorFlagsTest {
    private static InspectorFlags parse(String commandLine, String nodeOptions) {
        return InspectorFlags.parse(List.of(commandLine.split(" ")), nodeOptions);
    }

    @Test
    void defaultsTo9229OnLoopback() {
        assertEquals(new InspectorFlags("127.0.0.1", 9229, false), parse("node server.js --port 80", null));
    }

    @Test
    void readsInspectPortForms() {
        assertEquals(0, parse("node --inspect-port=0 server.js", null).port());
        assertEquals(9333, parse("node --inspect-port 9333 server.js", null).port());
        assertEquals(new InspectorFlags("0.0.0.0", 9230, false), parse("node --debug-port=0.0.0.0:9230 a.js", null));
        assertEquals(new InspectorFlags("::1", 9231, false), parse("node --inspect=[::1]:9231 a.js", null));
        assertEquals(new InspectorFlags("localhost", 9229, false), parse("node --inspect=localhost a.js", null));
        assertEquals("127.0.0.1:(any free port)", parse("node --inspect-port=0 a.js", null).describe());
    }

    @Test
    void stopsAtTheScript() {
        assertEquals(9229, parse("node server.js --inspect-port=1234", null).port());
        assertEquals(1234, parse("node -r ./hook.js --inspect-port=1234 server.js", null).port());
    }

    @Test
    void commandLineWinsOverNodeOptions() {
        assertEquals(5555, parse("node server.js", "--inspect-port=5555").port());
        assertEquals(6666, parse("node --inspect-port=6666 server.js", "--inspect-port=5555").port());
    }

    @Test
    void seesDisabledSigusr1() {
        assertEquals(true, parse("node --disable-sigusr1 server.js", null).sigusr1Disabled());
        assertEquals(true, parse("node server.js", "--max-old-space-size=100 --disable-sigusr1").sigusr1Disabled());
        assertEquals(false, parse("node server.js --disable-sigusr1", null).sigusr1Disabled());
    }
}
