package io.hapg.agent.ctl;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A text table drawn like patronictl's (Python {@code prettytable}: one space of padding,
 * {@code +---+} rules, values left-aligned unless their column is right-aligned), with an optional
 * title written into the top rule: {@code + Cluster: demo (7312345678901234567) ---+----+}.
 */
final class Table {
    private final List<String> columns;
    private final Set<String> rightAligned;
    private final List<List<String>> rows = new ArrayList<>();

    Table(List<String> columns, Set<String> rightAligned) {
        this.columns = List.copyOf(columns);
        this.rightAligned = Set.copyOf(rightAligned);
    }

    /** Adds a row; {@code null} cells print empty. */
    Table row(List<?> cells) {
        if (cells.size() != columns.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells, the table " + columns.size()
                    + " columns");
        }
        List<String> text = new ArrayList<>();
        for (Object c : cells) {
            text.add(c == null ? "" : c.toString());
        }
        rows.add(text);
        return this;
    }

    /** The table, each line ending with a newline; {@code title} (may be empty) goes into the top rule. */
    String render(String title) {
        int[] widths = new int[columns.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = columns.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        String rule = rule(widths);
        StringBuilder out = new StringBuilder();
        out.append(titled(rule, title)).append('\n');
        out.append(line(columns, widths)).append('\n');
        out.append(rule).append('\n');
        for (List<String> row : rows) {
            out.append(line(row, widths)).append('\n');
        }
        out.append(rule).append('\n');
        return out.toString();
    }

    /** patronictl's {@code __build_header}: the title overwrites the rule after its first character. */
    static String titled(String rule, String title) {
        if (title.isEmpty()) {
            return rule;
        }
        String header = title.substring(0, Math.min(title.length(), rule.length() - 2));
        return rule.charAt(0) + header + rule.substring(1 + header.length());
    }

    private static String rule(int[] widths) {
        StringBuilder b = new StringBuilder("+");
        for (int w : widths) {
            b.append("-".repeat(w + 2)).append('+');
        }
        return b.toString();
    }

    private String line(List<String> cells, int[] widths) {
        StringBuilder b = new StringBuilder("|");
        for (int i = 0; i < widths.length; i++) {
            String cell = cells.get(i);
            String pad = " ".repeat(widths[i] - cell.length());
            b.append(' ').append(rightAligned.contains(columns.get(i)) ? pad + cell : cell + pad).append(" |");
        }
        return b.toString();
    }
}
