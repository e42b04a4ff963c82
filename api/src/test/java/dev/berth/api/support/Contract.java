package dev.berth.api.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Checks answers of the running API against openapi.yaml: the status must be documented for the
 * operation, the content type must match, and a JSON body must satisfy the schema (required
 * properties, types, enums, formats, no undocumented properties).
 */
public final class Contract {
    private static final OpenAPI SPEC = load();

    private Contract() {
    }

    public static OpenAPI spec() {
        return SPEC;
    }

    private static OpenAPI load() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setResolveFully(true);
        return new OpenAPIV3Parser().read(Contract.class.getResource("/berth/openapi.yaml").toString(), null, options);
    }

    static void check(ApiClient.Answer answer) {
        String path = answer.path().replaceFirst("\\?.*$", "");
        Map.Entry<String, PathItem> item = match(path);
        if (item == null) {
            return; // undocumented paths are answered 404/405 problems, checked by the tests themselves
        }
        Operation operation = item.getValue().readOperationsMap().get(PathItem.HttpMethod.valueOf(answer.method()));
        if (operation == null) {
            return;
        }
        ApiResponse response = operation.getResponses().get(Integer.toString(answer.status()));
        if (response == null) {
            throw new AssertionError("status " + answer.status() + " is not documented for " + answer.method() + " "
                    + item.getKey() + ": " + answer.body());
        }
        if (response.getContent() == null || response.getContent().isEmpty()) {
            return;
        }
        String contentType = answer.contentType() == null ? "" : answer.contentType().replaceFirst(";.*$", "").trim();
        MediaType media = response.getContent().get(contentType);
        if (media == null) {
            throw new AssertionError("content type " + contentType + " is not documented for " + answer.method() + " "
                    + item.getKey() + " " + answer.status());
        }
        // NDJSON is many JSON documents: its tests read it line by line.
        if (contentType.endsWith("json") && !contentType.endsWith("ndjson")) {
            List<String> errors = new ArrayList<>();
            validate(media.getSchema(), answer.json(), "$", errors);
            if (!errors.isEmpty()) {
                throw new AssertionError("answer of " + answer.method() + " " + path + " breaks the contract: " + errors
                        + "\n" + answer.body());
            }
        }
    }

    private static Map.Entry<String, PathItem> match(String path) {
        for (Map.Entry<String, PathItem> entry : SPEC.getPaths().entrySet()) {
            String pattern = "^" + entry.getKey().replaceAll("\\{[^}]+}", "[^/]+") + "$";
            if (path.matches(pattern)) {
                return entry;
            }
        }
        return null;
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void validate(Schema schema, JsonNode value, String where, List<String> errors) {
        if (schema == null) {
            return;
        }
        if (value == null || value.isNull()) {
            errors.add(where + " is null");
            return;
        }
        String type = schema.getType() != null ? schema.getType()
                : schema.getTypes() != null && !schema.getTypes().isEmpty() ? (String) schema.getTypes().iterator().next()
                : schema.getProperties() != null ? "object" : null;
        if (type == null) {
            return;
        }
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    errors.add(where + " is not an object");
                    return;
                }
                Map<String, Schema> properties = schema.getProperties() == null ? Map.of() : schema.getProperties();
                List<String> required = schema.getRequired() == null ? List.of() : schema.getRequired();
                for (String name : required) {
                    if (!value.has(name)) {
                        errors.add(where + "." + name + " is required but missing");
                    }
                }
                for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                    String name = names.next();
                    if (!properties.containsKey(name)) {
                        errors.add(where + "." + name + " is not in the schema");
                    } else {
                        validate(properties.get(name), value.get(name), where + "." + name, errors);
                    }
                }
            }
            case "array" -> {
                if (!value.isArray()) {
                    errors.add(where + " is not an array");
                    return;
                }
                Schema items = schema instanceof ArraySchema array ? array.getItems() : schema.getItems();
                for (int i = 0; i < value.size(); i++) {
                    validate(items, value.get(i), where + "[" + i + "]", errors);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    errors.add(where + " is not a string");
                    return;
                }
                if (schema.getEnum() != null && !schema.getEnum().contains(value.asText())) {
                    errors.add(where + " = " + value.asText() + " is not one of " + schema.getEnum());
                }
                String format = schema.getFormat();
                try {
                    if ("uuid".equals(format)) {
                        UUID.fromString(value.asText());
                    } else if ("date-time".equals(format)) {
                        OffsetDateTime.parse(value.asText());
                    }
                } catch (RuntimeException invalid) {
                    errors.add(where + " is not a valid " + format + ": " + value.asText());
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    errors.add(where + " is not an integer");
                }
            }
            case "number" -> {
                if (!value.isNumber()) {
                    errors.add(where + " is not a number");
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    errors.add(where + " is not a boolean");
                }
            }
            default -> {
            }
        }
    }
}
