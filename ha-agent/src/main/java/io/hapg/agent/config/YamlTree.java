package io.hapg.agent.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.hapg.core.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses YAML into {@link YNode}s with Jackson's streaming parser, recording the line of every key
 * path. Resolves anchors, aliases and {@code <<} merge keys; rejects duplicate keys and more than
 * one document. Error messages never quote the document (it may hold passwords).
 */
final class YamlTree {
    private static final Pattern MARK = Pattern.compile("^\\s+in '.*', line (\\d+), column \\d+:");
    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            // "key:" with no value is null, as in PyYAML (the builder's default reads it as "").
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
            .build();

    /** A parsed document: the root mapping and the line of each key path. */
    record Document(YNode root, Map<String, Integer> lines) {
        /** The line of {@code path} or of its nearest enclosing key; 0 when none. */
        int lineOf(String path) {
            String p = path;
            while (!p.isEmpty()) {
                Integer line = lines.get(p);
                if (line != null) {
                    return line;
                }
                int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
                p = cut < 0 ? "" : p.substring(0, cut);
            }
            return 0;
        }
    }

    private final YAMLParser parser;
    private final Map<String, YNode> anchors = new HashMap<>();
    private final Map<String, Integer> lines = new HashMap<>();

    private YamlTree(YAMLParser parser) {
        this.parser = parser;
    }

    /** @throws ConfigException for malformed YAML (with its line) or an unreadable source */
    static Document parse(Reader reader) {
        try (YAMLParser p = FACTORY.createParser(reader)) {
            return new YamlTree(p).document();
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new ConfigException("", "cannot read the configuration: " + e, 0, e);
        }
    }

    private Document document() throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null) {
            return new Document(YNode.map("", 1, new LinkedHashMap<>()), lines);
        }
        YNode root = value(first, "", line());
        if (root.kind == YNode.Kind.NULL) {
            root = YNode.map("", 1, new LinkedHashMap<>());
        }
        if (root.kind != YNode.Kind.MAP) {
            throw new ConfigException("", "expected a mapping of settings at the top level, got "
                    + root.describeKind(), root.line, null);
        }
        if (parser.nextToken() != null) {
            throw new ConfigException("", "expected one YAML document, found another", line(), null);
        }
        return new Document(root, lines);
    }

    private YNode value(JsonToken token, String path, int line) throws IOException {
        Object anchor = parser.getObjectId();
        YNode node;
        switch (token) {
            case START_OBJECT:
                node = mapping(path, line);
                break;
            case START_ARRAY:
                node = sequence(path, line);
                break;
            case VALUE_STRING:
                if (parser.isCurrentAlias()) {
                    return alias(parser.getText(), path, line);
                }
                node = YNode.scalar(path, line, parser.getText(), parser.getText());
                break;
            case VALUE_TRUE:
            case VALUE_FALSE:
                node = YNode.scalar(path, line, token == JsonToken.VALUE_TRUE, parser.getText());
                break;
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                node = YNode.scalar(path, line, parser.getNumberValue(), parser.getText());
                break;
            case VALUE_NULL:
                node = YNode.nul(path, line);
                break;
            default:
                node = YNode.scalar(path, line, parser.getText(), parser.getText());
        }
        if (anchor != null) {
            anchors.put(anchor.toString(), node);
        }
        lines.putIfAbsent(path, line);
        return node;
    }

    private YNode mapping(String path, int line) throws IOException {
        Map<String, YNode> entries = new LinkedHashMap<>();
        List<YNode> merges = new ArrayList<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
            String key = parser.currentName();
            String childPath = YNode.child(path, key);
            int keyLine = line();
            YNode child = value(parser.nextToken(), childPath, keyLine);
            if (key.equals("<<")) {
                merges.add(child);
            } else if (entries.putIfAbsent(key, child) != null) {
                throw new ConfigException(childPath, "duplicate key", keyLine, null);
            }
        }
        for (YNode merge : merges) {
            List<YNode> sources = merge.kind == YNode.Kind.LIST ? merge.items : List.of(merge);
            for (YNode source : sources) {
                if (source.kind != YNode.Kind.MAP) {
                    throw new ConfigException(merge.path, "a merge key (<<) needs a mapping", merge.line, null);
                }
                source.entries.forEach((k, v) -> entries.computeIfAbsent(k,
                        x -> v.relocate(YNode.child(path, k), merge.line, lines)));
            }
        }
        return YNode.map(path, line, entries);
    }

    private YNode sequence(String path, int line) throws IOException {
        List<YNode> items = new ArrayList<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
            items.add(value(t, YNode.item(path, items.size()), line()));
        }
        return YNode.list(path, line, items);
    }

    private YNode alias(String name, String path, int line) {
        YNode target = anchors.get(name);
        if (target == null) {
            throw new ConfigException(path, "unknown alias *" + name, line, null);
        }
        return target.relocate(path, line, lines);
    }

    private int line() {
        return parser.currentTokenLocation().getLineNr();
    }

    /**
     * The parser's own words without the quoted source lines: SnakeYAML follows each part of its
     * message with {@code in 'reader', line N, column M:} and a copy of that line, which may hold a
     * password. The exception's line is SnakeYAML's problem mark (the last one); Jackson's own
     * location is only where the last good token ended.
     */
    static ConfigException malformed(JsonProcessingException e) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        List<String> parts = new ArrayList<>();
        List<Integer> partLines = new ArrayList<>();
        for (String l : message.split("\n")) {
            Matcher mark = MARK.matcher(l);
            if (mark.find() && !parts.isEmpty()) {
                partLines.set(parts.size() - 1, Integer.parseInt(mark.group(1)));
            } else if (!l.isBlank() && !Character.isWhitespace(l.charAt(0))) {
                parts.add(l.strip());
                partLines.add(0);
            }
        }
        int line = partLines.isEmpty() ? 0 : partLines.get(partLines.size() - 1);
        if (line == 0 && e.getLocation() != null) {
            line = e.getLocation().getLineNr();
        }
        StringBuilder detail = new StringBuilder("malformed YAML: ");
        for (int i = 0; i < parts.size(); i++) {
            detail.append(i > 0 ? "; " : "").append(parts.get(i));
            if (partLines.get(i) > 0 && partLines.get(i) != line) {
                detail.append(" at line ").append(partLines.get(i));
            }
        }
        if (parts.isEmpty()) {
            detail.append("syntax error");
        }
        return new ConfigException("", detail.toString(), line, null);
    }
}
