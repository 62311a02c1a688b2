package dev.leakhunt.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What "the ids match" means for two snapshots of one inspector session: every sampled id names an object of the
 * same type and name in both, but for the few V8 changed in place meanwhile (a string it flattened keeps its id
 * and changes its type): at most 3, or 0.5% of those sampled. Snapshots of two sessions agree on 12–54%.
 */
public final class Ids {
    private Ids() {
    }

    public static void assertMatch(long checked, long agreeing) {
        assertTrue(checked > 0, "no ids sampled");
        assertTrue(agreeing <= checked && checked - agreeing <= Math.max(3, checked / 200),
                agreeing + " of " + checked + " sampled ids agree");
    }
}
