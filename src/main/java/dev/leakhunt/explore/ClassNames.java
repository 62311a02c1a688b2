package dev.leakhunt.explore;

import java.util.Iterator;
import java.util.List;

/** The class names of the snapshot, as the class summary names them: completion candidates for class arguments. */
final class ClassNames implements Iterable<String> {
    private final List<String> names;

    ClassNames(List<String> names) {
        this.names = List.copyOf(names);
    }

    @Override
    public Iterator<String> iterator() {
        return names.iterator();
    }
}
