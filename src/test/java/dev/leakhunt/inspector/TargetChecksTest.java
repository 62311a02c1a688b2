package dev.leakhunt.inspector;

import static dev.leakhunt.inspector.FakeProc.PID;
import static dev.leakhunt.inspector.FakeProc.SIGCGT_NODE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks made on a pid before anything is signalled, over a fake {@code /proc}. */
class TargetChecksTest {
    private static final long HOLDER = PID + 1;

    @TempDir
    Path root;

    private FakeProc proc() {
        return new FakeProc(root);
    }

    private static String message(ThrowingCheck check) {
        return assertThrows(IOException.class, check::run).getMessage();
    }

    private interface ThrowingCheck {
        void run() throws IOException;
    }

    @Test
    void missingPid() {
        assertEquals("no process with pid " + PID, message(() -> NodeProcess.check(proc().procFs(), PID)));
    }

    @Test
    void refusesWhatIsNotNode() throws IOException {
        FakeProc proc = proc().process(PID, "/usr/bin/sleep", List.of("sleep", "60"), "0");
        assertEquals("pid " + PID + " is not a Node.js process ('/usr/bin/sleep')",
                message(() -> NodeProcess.check(proc.procFs(), PID)));
    }

    @Test
    void refusesZombies() throws IOException {
        FakeProc proc = proc().process(PID, "/usr/bin/node", List.of("node", "a.js"), "Z (zombie)", SIGCGT_NODE,
                "0");
        assertEquals("pid " + PID + " has exited (a zombie its parent has not reaped)",
                message(() -> NodeProcess.check(proc.procFs(), PID)));
    }

    @Test
    void knowsNodeByItsExecutableOrArgv0() throws IOException {
        FakeProc proc = proc().process(PID, "/opt/node-v20.11.1/bin/node", List.of("node", "--inspect-port=0",
                "server.js"), SIGCGT_NODE);
        NodeProcess node = NodeProcess.check(proc.procFs(), PID);
        assertEquals(0, node.flags().port());
        assertEquals(12345, node.startTicks());
        assertEquals("pid " + PID + " ('node --inspect-port=0 server.js')", node.describe());

        assertTrue(NodeProcess.isNodeName("/usr/bin/nodejs"));
        assertTrue(NodeProcess.isNodeName("/usr/local/bin/node20"));
        assertTrue(NodeProcess.isNodeName("/usr/bin/node (deleted)"));
        assertTrue(NodeProcess.isNodeName("node"));
        assertFalse(NodeProcess.isNodeName("/usr/bin/node_exporter"), "a Go program that SIGUSR1 would kill");
        assertFalse(NodeProcess.isNodeName("/usr/bin/nodemon-helper"));
        assertFalse(NodeProcess.isNodeName(""));
    }

    @Test
    void findsTheSocketsTheProcessItselfListensOn() throws IOException {
        FakeProc proc = proc().process(PID, "/usr/bin/node", List.of("node", "a.js"), SIGCGT_NODE)
                .socket(PID, 19, 111)
                .socket(PID, 20, 333)
                .tcp(PID, FakeProc.listenRow("0100007F", 9229, 222) + FakeProc.listenRow("00000000", 8080, 111),
                        FakeProc.listenRow("00000000000000000000000001000000", 9230, 333));
        assertEquals(List.of(new ListeningSocket("0.0.0.0", 8080, 111), new ListeningSocket("::1", 9230, 333)),
                proc.procFs().listeningOf(PID));
        assertEquals(3, proc.procFs().listeningInNamespaceOf(PID).size());
    }

    @Test
    void refusesToSignalAProcessThatWouldDie() throws IOException {
        FakeProc proc = proc().process(PID, "/usr/bin/node", List.of("node", "a.js"), "0000000000004002");
        PidInspector inspector = new PidInspector(proc.procFs(), null);
        NodeProcess node = NodeProcess.check(proc.procFs(), PID);
        assertEquals("pid " + PID + " does not handle SIGUSR1 (the signal would kill it), so its inspector cannot"
                + " be opened; start it with --inspect (or --inspect=0), or pass --port if its inspector is open",
                message(() -> inspector.open(node, 1000)));
    }

    @Test
    void refusesToSignalAProcessThatIgnoresSigusr1OrDisabledIt() throws IOException {
        FakeProc proc = proc().process(PID, "/usr/bin/node", List.of("node", "a.js"), "S (sleeping)", SIGCGT_NODE,
                "0000000000000200");
        PidInspector inspector = new PidInspector(proc.procFs(), null);
        NodeProcess ignoring = NodeProcess.check(proc.procFs(), PID);
        assertTrue(message(() -> inspector.open(ignoring, 1000)).startsWith("pid " + PID + " ignores SIGUSR1"));

        FakeProc disabled = proc().process(HOLDER, "/usr/bin/node", List.of("node", "--disable-sigusr1", "a.js"),
                SIGCGT_NODE);
        NodeProcess node = NodeProcess.check(disabled.procFs(), HOLDER);
        assertTrue(message(() -> inspector.open(node, 1000)).startsWith("pid " + HOLDER + " was started with"
                + " --disable-sigusr1, so its inspector cannot be opened from outside"));
    }

    @Test
    void namesTheProcessHoldingTheInspectorPort() throws IOException {
        FakeProc proc = proc()
                .process(PID, "/usr/bin/node", List.of("node", "server.js"), SIGCGT_NODE)
                .process(HOLDER, "/usr/bin/node", List.of("node", "--inspect=9229", "holder.js"), SIGCGT_NODE)
                .socket(HOLDER, 21, 222)
                .tcp(PID, FakeProc.listenRow("0100007F", 9229, 222), "");
        PidInspector inspector = new PidInspector(proc.procFs(), null);
        NodeProcess node = NodeProcess.check(proc.procFs(), PID);
        assertEquals(HOLDER, proc.procFs().ownerOf(Set.of(222L)));
        assertEquals("cannot open the inspector of pid " + PID + ": 127.0.0.1:9229, where SIGUSR1 opens its"
                + " inspector, is held by pid " + HOLDER + " ('node --inspect=9229 holder.js'); start pid " + PID
                + " with --inspect-port=0, or free the port", message(() -> inspector.open(node, 1000)));
    }
}
