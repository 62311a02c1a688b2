package dev.leakhunt.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.leakhunt.graph.Workspace.Role;
import org.junit.jupiter.api.Test;

/** The graph phases' arrays by role: handed on, parked and read back, spent; a role not live says what became of it. */
class WorkspaceTest {
    @Test
    void rolesAreHandedOnParkedAndSpentAndSaySo() {
        for (boolean moveOut : new boolean[] {true, false}) {
            Workspace ws = new Workspace(moveOut);
            int[] queue = ws.make(Role.QUEUE, 4);
            assertSame(queue, ws.handOn(Role.QUEUE, Role.LABELS), "one array, its next role");
            assertEquals("graph workspace: the breadth-first queue: handed on as the semidominators' labels",
                    assertThrows(IllegalStateException.class, () -> ws.get(Role.QUEUE)).getMessage());

            ws.put(Role.DISTANCES, new int[] {0, 1, 2, 100_000_000});
            Workspace.Parked aside = ws.park("the retainers and semidominators", Role.DISTANCES);
            assertEquals("graph workspace: the distances: parked during the retainers and semidominators",
                    assertThrows(IllegalStateException.class, () -> ws.get(Role.DISTANCES)).getMessage());
            aside.restore();
            assertArrayEquals(new int[] {0, 1, 2, 100_000_000}, ws.get(Role.DISTANCES), "read back whole");

            ws.make(Role.ANCESTORS, 3);
            ws.spend(Role.ANCESTORS);
            assertEquals("graph workspace: the ancestors: spent",
                    assertThrows(IllegalStateException.class, () -> ws.get(Role.ANCESTORS)).getMessage());
            assertEquals("graph workspace: the preorder: never made",
                    assertThrows(IllegalStateException.class, () -> ws.get(Role.PREORDER)).getMessage());
        }
    }
}
