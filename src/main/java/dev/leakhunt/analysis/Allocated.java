package dev.leakhunt.analysis;

import java.util.List;

/**
 * Where a group's members were allocated (see {@link Allocations}): the {@code stacks} that allocated most of them;
 * of the {@code members}, {@code whileTracked} were allocated while V8 tracked allocations (-1 when the snapshot does
 * not say), and V8 kept the stack of {@code known}.
 */
public record Allocated(List<AllocationStack> stacks, long members, long whileTracked, long known) {
    /**
     * Whether V8 kept the stack of most members allocated while it tracked. Its young-generation collections lose the
     * stacks of objects they move (and may give an object another's), so when it did not, the stacks are hints.
     */
    public boolean mostlyKnown() {
        return whileTracked < 0 ? known * 2 >= members : known * 2 >= whileTracked && whileTracked > 0;
    }
}
