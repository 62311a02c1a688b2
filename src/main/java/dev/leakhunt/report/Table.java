package dev.leakhunt.report;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** An aligned text table; the last column is left unpadded. */
public final class Table {
    private final String[] headings;
    private final boolean[] right;
    private final List<String[]> rows = new ArrayList<>();

    public Table(String... headings) {
        this.headings = headings;
        this.right = new boolean[headings.length];
    }

    public Table rightAligned(int... columns) {
        for (int c : columns) {
            right[c] = true;
        }
        return this;
    }

    public Table row(String... cells) {
        rows.add(cells);
        return this;
    }

    public void print(PrintWriter out, String indent) {
        int[] width = new int[headings.length];
        for (int c = 0; c < headings.length; c++) {
            width[c] = headings[c].length();
            for (String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        line(out, indent, headings, width);
        for (String[] r : rows) {
            line(out, indent, r, width);
        }
    }

    private void line(PrintWriter out, String indent, String[] cells, int[] width) {
        StringBuilder sb = new StringBuilder(indent);
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                sb.append("  ");
            }
            String cell = cells[c];
            boolean last = c == cells.length - 1;
            if (right[c]) {
                sb.append(" ".repeat(width[c] - cell.length())).append(cell);
            } else {
                sb.append(cell);
                if (!last) {
                    sb.append(" ".repeat(width[c] - cell.length()));
                }
            }
        }
        out.println(sb.toString().stripTrailing());
    }
}
