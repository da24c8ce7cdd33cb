package io.hapg.agent.ctl;

import io.hapg.core.model.HistoryEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code hactl history}: patronictl's table of the {@code history} key, one line per ended timeline. */
final class HistoryTable {
    static final List<String> COLUMNS = List.of("TL", "LSN", "Reason", "Timestamp", "New Leader");

    private HistoryTable() {
    }

    static String render(List<HistoryEntry> history, Format format) {
        List<List<Object>> rows = new ArrayList<>();
        for (HistoryEntry e : history) {
            rows.add(List.of(e.timeline(), e.lsn().value(), e.reason(), e.timestamp().orElse(""),
                    e.newLeader().orElse("")));
        }
        switch (format) {
            case JSON:
                return Format.json(COLUMNS, rows, false);
            case YAML:
                return Format.yaml(COLUMNS, rows, false);
            case TSV:
                return Format.tsv(COLUMNS, rows, null, null);
            default:
                Table table = new Table(COLUMNS, Set.of("TL", "LSN"));
                rows.forEach(r -> table.row(r.stream().map(Format::cell).collect(Collectors.toList())));
                return table.render("");
        }
    }
}
