package dev.berth.api.caller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may call each operation, read from the contract (openapi.yaml) and nowhere else:
 * an operation whose {@code security} names no bearer scheme is public; every other one carries
 * {@code x-berth-roles}, either the tenant roles that may call it or {@code [platform-admin]}.
 * Being a platform admin is orthogonal to the tenant role: it opens the platform-admin operations
 * and nothing else. A contract with an operation that is neither public nor ruled, or a rule naming
 * no known role, is refused when read. Immutable and thread-safe.
 */
public final class OperationRules {
    /** The {@code x-berth-roles} value of the operations only platform admins may call. */
    public static final String PLATFORM_ADMIN = "platform-admin";
    /** The security scheme of access tokens and personal access tokens. */
    private static final String BEARER_SCHEME = "bearerAuth";
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options");

    private final Map<String, Rule> rules;

    private OperationRules(Map<String, Rule> rules) {
        this.rules = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rules));
    }

    /**
     * Who may call one operation.
     *
     * @param operationId   the contract's operationId (the generated interface's method name)
     * @param method        the HTTP method, upper case
     * @param path          the path template, relative to the API's base
     * @param open          whether it needs no bearer token (its own checks, if any, are its business)
     * @param platformAdmin whether only platform admins may call it
     * @param roles         the tenant roles that may call it (empty when open or platform-admin)
     */
    public record Rule(String operationId, String method, String path, boolean open, boolean platformAdmin, Set<Caller.Role> roles) {
        public Rule {
            roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
        }

        /** Whether an authenticated caller may call the operation. */
        public boolean allows(Caller caller) {
            return open || (platformAdmin ? caller.platformAdmin() : roles.contains(caller.role()));
        }

        /** The rule as the contract writes it: {@code public}, {@code platform-admin} or the roles, most powerful first. */
        public String describe() {
            if (open) {
                return "public";
            }
            return platformAdmin ? PLATFORM_ADMIN
                    : EnumSet.copyOf(roles).stream().map(Caller.Role::wireName).collect(Collectors.joining(", "));
        }
    }

    /** The rules of the contract the API serves (openapi.yaml on the class path, under {@code /berth}). */
    public static OperationRules fromContract() {
        try (InputStream in = OperationRules.class.getResourceAsStream("/berth/openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is missing from the classpath");
            }
            return parse(new ObjectMapper(new YAMLFactory()).readTree(in));
        } catch (IOException unreadable) {
            throw new UncheckedIOException("cannot read openapi.yaml", unreadable);
        }
    }

    /** The rules of a parsed contract; throws IllegalStateException when an operation has none or a bad one. */
    public static OperationRules parse(JsonNode contract) {
        JsonNode defaultSecurity = contract.path("security");
        Map<String, Rule> rules = new LinkedHashMap<>();
        contract.path("paths").fields().forEachRemaining(path -> {
            for (String method : METHODS) {
                JsonNode operation = path.getValue().get(method);
                if (operation != null) {
                    Rule rule = ruleOf(path.getKey(), method.toUpperCase(java.util.Locale.ROOT), operation, defaultSecurity);
                    if (rules.put(rule.operationId(), rule) != null) {
                        throw new IllegalStateException("operationId " + rule.operationId() + " is used twice");
                    }
                }
            }
        });
        return new OperationRules(rules);
    }

    private static Rule ruleOf(String path, String method, JsonNode operation, JsonNode defaultSecurity) {
        String operationId = operation.path("operationId").asText("");
        if (operationId.isEmpty()) {
            throw new IllegalStateException(method + " " + path + " has no operationId");
        }
        JsonNode security = operation.has("security") ? operation.get("security") : defaultSecurity;
        boolean bearer = false;
        for (JsonNode requirement : security) {
            bearer |= requirement.has(BEARER_SCHEME);
        }
        JsonNode declared = operation.get("x-berth-roles");
        if (!bearer) {
            if (declared != null) {
                throw new IllegalStateException(operationId + " is public (no " + BEARER_SCHEME + ") but has x-berth-roles");
            }
            return new Rule(operationId, method, path, true, false, Set.of());
        }
        if (declared == null || !declared.isArray() || declared.isEmpty()) {
            throw new IllegalStateException(operationId + " needs a bearer token but has no x-berth-roles (tenant roles or ["
                    + PLATFORM_ADMIN + "])");
        }
        Set<Caller.Role> roles = EnumSet.noneOf(Caller.Role.class);
        boolean platformAdmin = false;
        for (JsonNode value : declared) {
            String name = value.asText();
            if (PLATFORM_ADMIN.equals(name)) {
                platformAdmin = true;
            } else {
                roles.add(Caller.Role.valueOf(roleName(operationId, name)));
            }
        }
        if (platformAdmin && !roles.isEmpty()) {
            throw new IllegalStateException(operationId + ": " + PLATFORM_ADMIN + " stands alone in x-berth-roles (it is not a tenant role)");
        }
        return new Rule(operationId, method, path, false, platformAdmin, roles);
    }

    private static String roleName(String operationId, String name) {
        for (Caller.Role role : Caller.Role.values()) {
            if (role.wireName().equals(name)) {
                return role.name();
            }
        }
        throw new IllegalStateException(operationId + ": x-berth-roles names '" + name + "', which is no role");
    }

    /** The rule of an operation, or empty if the contract has no such operationId. */
    public Optional<Rule> rule(String operationId) {
        return Optional.ofNullable(rules.get(operationId));
    }

    /** Every operation's rule, in the contract's order. */
    public Collection<Rule> all() {
        return rules.values();
    }
}
