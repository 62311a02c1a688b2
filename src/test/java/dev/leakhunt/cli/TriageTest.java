package dev.leakhunt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leakhunt.testing.Cli;
import dev.leakhunt.testing.NodeSample;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot's triage reads the process's memory after the snapshot's garbage collection: a fixed service that
 * has not collected its dropped buffers yet is no native leak.
 */
class TriageTest {
    @TempDir
    Path dir;

    @Test
    void aFixedServiceWithUncollectedBuffersIsNotANativeLeak() throws Exception {
        assumeTrue(NodeSample.nodeAvailable(), "node is not installed");
        // 600 buffers of 256 KiB made and dropped: tens of MiB of external garbage until V8 collects it
        try (NodeSample sample = NodeSample.start("buffer-cache-leak", "fixed", 600, "--inspect-port=0")) {
            Cli r = Cli.run("snapshot", Long.toString(sample.pid()), "-o", dir.resolve("fixed.heapsnapshot").toString(),
                    "--json");
            assertEquals(0, r.exit(), r.toString());
            Map<String, Object> process = SnapshotCommandFaultsTest.Json.map(
                    SnapshotCommandFaultsTest.Json.object(r.out()), "process");
            assertEquals("none", process.get("triage"), r.out());
            Map<String, Object> after = SnapshotCommandFaultsTest.Json.map(process, "memoryUsage");
            assertTrue((Long) after.get("arrayBuffers") < 1 << 20, "live buffers after the collection: " + after);
            assertNotNull(process.get("memoryUsageBefore"), "the figures before are kept beside");
            assertEquals(null, process.get("triageGap"));
        }
    }
}
