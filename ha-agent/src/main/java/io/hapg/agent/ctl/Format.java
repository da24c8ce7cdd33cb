package io.hapg.agent.ctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/** {@code -f pretty|json|yaml|tsv}, as patronictl's {@code print_output} writes them. */
enum Format {
    PRETTY, JSON, YAML, TSV;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** @throws CtlException (usage) for another word */
    static Format parse(String word) {
        switch (word.toLowerCase(Locale.ROOT)) {
            case "pretty": return PRETTY;
            case "json": return JSON;
            case "yaml":
            case "yml": return YAML;
            case "tsv": return TSV;
            default: throw CtlException.usage("unknown format '" + word + "'; use pretty, json, yaml or tsv");
        }
    }

    /**
     * A JSON array with one object per row, keyed by column name; with {@code dropEmpty}, empty
     * cells are left out (patronictl does so for tables that have a title).
     */
    static String json(List<String> columns, List<List<Object>> rows, boolean dropEmpty) {
        return toJson(elements(columns, rows, dropEmpty)) + "\n";
    }

    /** {@link #json}'s elements as patronictl's YAML: a block list, each element's keys sorted. */
    static String yaml(List<String> columns, List<List<Object>> rows, boolean dropEmpty) {
        List<Map<String, Object>> sorted = new ArrayList<>();
        elements(columns, rows, dropEmpty).forEach(e -> sorted.add(new TreeMap<>(e)));
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setWidth(200);
        options.setAllowUnicode(true);
        return new Yaml(options).dump(sorted);
    }

    private static List<Map<String, Object>> elements(List<String> columns, List<List<Object>> rows,
                                                      boolean dropEmpty) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (List<Object> row : rows) {
            Map<String, Object> element = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                Object v = row.get(i);
                if (!dropEmpty || v != null && !"".equals(v)) {
                    element.put(columns.get(i), v);
                }
            }
            out.add(element);
        }
        return out;
    }

    /** Tab-separated values with a header line; {@code firstColumn} (may be null) is prefixed to every row. */
    static String tsv(List<String> columns, List<List<Object>> rows, String firstColumn, String firstValue) {
        StringBuilder b = new StringBuilder();
        List<String> header = new ArrayList<>(columns);
        if (firstColumn != null) {
            header.add(0, firstColumn);
        }
        b.append(String.join("\t", header)).append('\n');
        for (List<Object> row : rows) {
            List<String> cells = row.stream().map(Format::cell).collect(Collectors.toList());
            if (firstColumn != null) {
                cells.add(0, firstValue);
            }
            b.append(String.join("\t", cells)).append('\n');
        }
        return b.toString();
    }

    /** A cell as text; a map prints in YAML flow style ({@code {nofailover: true}}). */
    static String cell(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Map) {
            return ((Map<?, ?>) value).entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        return value.toString();
    }

    static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
