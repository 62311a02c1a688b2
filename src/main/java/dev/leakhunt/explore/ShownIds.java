package dev.leakhunt.explore;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node ids the shell has printed, as {@code @123}, most recent last and at most {@link #CAPACITY}: what Tab
 * offers after a command that takes an id. Picocli reads it as the completion candidates of those parameters.
 */
final class ShownIds implements Iterable<String> {
    static final int CAPACITY = 500;
    private static final Pattern ID = Pattern.compile("@(\\d{1,10})\\b|\"id\" : (\\d{1,10})\\b");

    private final LinkedHashSet<String> ids = new LinkedHashSet<>();

    /** Records every id in an answer, text ({@code @123}) or JSON ({@code "id" : 123}). */
    void recordAll(CharSequence answer) {
        Matcher m = ID.matcher(answer);
        while (m.find()) {
            add("@" + (m.group(1) != null ? m.group(1) : m.group(2)));
        }
    }

    void add(String id) {
        ids.remove(id);
        ids.add(id);
        if (ids.size() > CAPACITY) {
            Iterator<String> oldest = ids.iterator();
            oldest.next();
            oldest.remove();
        }
    }

    @Override
    public Iterator<String> iterator() {
        List<String> copy = new ArrayList<>(ids);
        return copy.iterator();
    }
}
