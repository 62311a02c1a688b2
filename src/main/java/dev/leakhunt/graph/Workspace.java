package dev.leakhunt.graph;

import dev.leakhunt.snapshot.SpilledInts;
import java.util.EnumMap;
import java.util.Map;

/**
 * The working arrays of the graph phases, by role. One array of N plays several roles in turn ({@link #handOn}: the
 * breadth-first queue becomes the semidominators' labels, then the dominator map); a role's array may wait on disk
 * while phases that do not read it run ({@link #park}); a role that is spent is dropped for the collector. Asking
 * for a role that is not live says which role, and what became of it, instead of a bare NullPointerException.
 * Callers pass {@link #get}'s array to a phase and keep no reference of their own, so that parking and spending
 * free the memory.
 */
final class Workspace {
    enum Role {
        QUEUE("the breadth-first queue"), LABELS("the semidominators' labels"), DOMINATORS("the dominator map"),
        PARENTS("the DFS parents"), IMMEDIATE_DOMINATORS("the immediate dominators by DFS number"),
        NEAREST_EDGES("the nearest retainers' edges"), VERTICES("the DFS vertex map"), PREORDER("the preorder"),
        NUMBERS("the DFS numbers"), RETAINER_INDEX("the retainers' index"), ANCESTORS("the ancestors"),
        DISTANCES("the distances");

        final String what;

        Role(String what) {
            this.what = what;
        }
    }

    private final Map<Role, int[]> live = new EnumMap<>(Role.class);
    private final Map<Role, String> gone = new EnumMap<>(Role.class); // why a role is not live
    private final boolean moveOut;

    /** {@code moveOut}: parked arrays go to a file (big snapshots); else they stay in memory. */
    Workspace(boolean moveOut) {
        this.moveOut = moveOut;
    }

    /** A new array of {@code length} for {@code role}. */
    int[] make(Role role, int length) {
        return put(role, new int[length]);
    }

    /** {@code array}, a phase's result, as {@code role}. */
    int[] put(Role role, int[] array) {
        live.put(role, array);
        gone.remove(role);
        return array;
    }

    /** The array of {@code role}; fails naming the role and what became of it when it is not live. */
    int[] get(Role role) {
        int[] a = live.get(role);
        if (a == null) {
            throw new IllegalStateException("graph workspace: " + role.what + ": "
                    + gone.getOrDefault(role, "never made"));
        }
        return a;
    }

    /** The array of {@code from}, spent in that role, as {@code to} from now on. */
    int[] handOn(Role from, Role to) {
        int[] a = get(from);
        live.remove(from);
        gone.put(from, "handed on as " + to.what);
        return put(to, a);
    }

    /** Drops the roles' arrays: nothing reads them any more. */
    void spend(Role... roles) {
        for (Role r : roles) {
            live.remove(r);
            gone.put(r, "spent");
        }
    }

    /** Roles parked by {@link #park} until {@link #restore}. */
    final class Parked {
        private final Role[] roles;
        private final SpilledInts spilled;

        private Parked(Role[] roles, SpilledInts spilled) {
            this.roles = roles;
            this.spilled = spilled;
        }

        /** Reads every parked role back. */
        void restore() {
            for (int i = 0; i < roles.length; i++) {
                put(roles[i], spilled.readBack(i));
            }
        }
    }

    /** Moves the roles' arrays out of the heap (or keeps them aside) while {@code phase} runs. */
    Parked park(String phase, Role... roles) {
        int[][] arrays = new int[roles.length][];
        for (int i = 0; i < roles.length; i++) {
            arrays[i] = get(roles[i]);
            live.remove(roles[i]);
            gone.put(roles[i], "parked during " + phase);
        }
        return new Parked(roles, moveOut ? SpilledInts.of(arrays) : SpilledInts.kept(arrays));
    }
}
