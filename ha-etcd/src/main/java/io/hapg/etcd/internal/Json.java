package io.hapg.etcd.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.core.model.Lsn;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Jackson helpers shared by the codecs: compact output as Patroni's
 * {@code json.dumps(separators=(',', ':'))}, and strict typed field readers that throw
 * {@link Garbage} when a field has the wrong type.
 */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    static JsonNode parse(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new Garbage("empty value");
            }
            return node;
        } catch (JsonProcessingException e) {
            String why = String.valueOf(e.getOriginalMessage());
            throw new Garbage("not JSON (" + (why.length() > 60 ? why.substring(0, 60) + "..." : why) + ")");
        }
    }

    static JsonNode object(String text) {
        JsonNode node = parse(text);
        if (!node.isObject()) {
            throw new Garbage("expected a JSON object, got " + node.getNodeType());
        }
        return node;
    }

    /** A text field; absent or null gives empty. */
    static Optional<String> text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new Garbage(field + ": expected a string, got " + v.getNodeType());
        }
        return Optional.of(v.asText());
    }

    /** An LSN: an integer (as Patroni writes it) or {@code X/Y} text; absent or null gives empty. */
    static Optional<Lsn> lsn(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        try {
            if (v.isIntegralNumber() && v.canConvertToLong()) {
                return Optional.of(Lsn.of(v.asLong()));
            }
            if (v.isTextual()) {
                return Optional.of(Lsn.parse(v.asText()));
            }
        } catch (IllegalArgumentException e) {
            throw new Garbage(field + ": " + e.getMessage());
        }
        throw new Garbage(field + ": expected an LSN, got " + v.getNodeType());
    }

    /** A non-negative whole number (or its decimal text); absent or null gives empty. */
    static Optional<Long> number(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (v.isIntegralNumber() && v.canConvertToLong() && v.asLong() >= 0) {
            return Optional.of(v.asLong());
        }
        if (v.isTextual()) {
            try {
                long n = Long.parseLong(v.asText().strip());
                if (n >= 0) {
                    return Optional.of(n);
                }
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw new Garbage(field + ": expected a whole number, got " + v);
    }

    /** A JSON object as plain Java values (maps, lists, strings, numbers, booleans). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(JsonNode node, String field) {
        if (!node.isObject()) {
            throw new Garbage(field + ": expected a JSON object, got " + node.getNodeType());
        }
        return new LinkedHashMap<>(MAPPER.convertValue(node, Map.class));
    }

    /** A value that does not have the shape Patroni writes: read as absent. */
    static final class Garbage extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Garbage(String message) {
            super(message, null, false, false);
        }
    }
}
