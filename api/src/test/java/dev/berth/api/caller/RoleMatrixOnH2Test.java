package dev.berth.api.caller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Contract;
import dev.berth.api.support.Databases;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.parameters.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The role matrix, generated from openapi.yaml: every operation that needs a bearer token is called
 * by a user of each tenant role and by a platform admin whose tenant role is viewer, and must be
 * refused (403 {@code forbidden}) exactly when its {@code x-berth-roles} leaves the caller out.
 * Path parameters name nothing that exists and bodies are empty objects, so an allowed call fails
 * later (400, 404...) and changes nothing; what is checked is the authorization decision alone.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class RoleMatrixOnH2Test {
    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()));

    /** Operations that succeed without any input and end the caller's account: they run after every other. */
    private static final java.util.Set<String> ENDS_THE_ACCOUNT = java.util.Set.of("leaveTenant");

    /** Who calls: a tenant role, and whether the caller is also a platform admin. */
    private record Principal(Caller.Role role, boolean platformAdmin) {
        @Override
        public String toString() {
            return role.wireName() + (platformAdmin ? "+platform-admin" : "");
        }
    }

    @TestFactory
    Stream<DynamicTest> everyRoleIsAllowedExactlyTheOperationsItsRuleNames() {
        ApiClient api = new ApiClient(APP.getLocalPort());
        Session root = Tenants.login(api, "root@berth.test", "admin-password-for-tests", null, "platform");
        Map<Principal, String> tokens = new java.util.LinkedHashMap<>();
        for (Caller.Role role : Caller.Role.values()) {
            tokens.put(new Principal(role, false), userWith(api, root, role, false));
        }
        tokens.put(new Principal(Caller.Role.VIEWER, true), userWith(api, root, Caller.Role.VIEWER, true));

        OperationRules rules = OperationRules.fromContract();
        List<DynamicTest> tests = new ArrayList<>();
        List<DynamicTest> last = new ArrayList<>();
        for (Map.Entry<String, PathItem> path : Contract.spec().getPaths().entrySet()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> entry : path.getValue().readOperationsMap().entrySet()) {
                Operation operation = entry.getValue();
                OperationRules.Rule rule = rules.rule(operation.getOperationId()).orElseThrow();
                if (rule.open()) {
                    continue;
                }
                for (Map.Entry<Principal, String> caller : tokens.entrySet()) {
                    Principal principal = caller.getKey();
                    boolean allowed = rule.platformAdmin() ? principal.platformAdmin() : rule.roles().contains(principal.role());
                    (ENDS_THE_ACCOUNT.contains(operation.getOperationId()) ? last : tests).add(DynamicTest.dynamicTest(operation.getOperationId() + " by " + principal + " is "
                            + (allowed ? "allowed" : "refused"), () -> {
                        // A connection of its own: a refused request's unread body may leave the server closing a shared one.
                        ApiClient.Answer answer = call(new ApiClient(APP.getLocalPort()), entry.getKey().name(), path.getKey(), path.getValue(), operation, caller.getValue());
                        boolean refusedForRole = answer.status() == 403 && "forbidden".equals(answer.problem());
                        assertThat(answer.status()).as(answer.toString()).isNotEqualTo(401);
                        assertThat(refusedForRole).as("%s by %s (rule: %s): %s", operation.getOperationId(), principal,
                                rule.describe(), answer).isEqualTo(!allowed);
                    }));
                }
            }
        }
        tests.addAll(last);
        return tests.stream();
    }

    /** A new user alone in a new tenant, given {@code role} (and the platform-admin flag) by the platform admin. */
    private static String userWith(ApiClient api, Session root, Caller.Role role, boolean platformAdmin) {
        Session user = Tenants.signUp(api, "matrix");
        String userId = api.get("/me", user.accessToken()).json().get("userId").asText();
        if (role != Caller.Role.OWNER || platformAdmin) {
            String body = "{\"platformAdmin\":" + platformAdmin + (role == Caller.Role.OWNER ? "" : ",\"role\":\"" + role.wireName() + "\"") + "}";
            ApiClient.Answer changed = api.send("PATCH", "/admin/users/" + userId, root.accessToken(), body, "application/json", Map.of());
            assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
        }
        return user.accessToken();
    }

    private static ApiClient.Answer call(ApiClient api, String method, String template, PathItem item, Operation operation, String token) {
        List<Parameter> parameters = new ArrayList<>();
        if (item.getParameters() != null) {
            parameters.addAll(item.getParameters());
        }
        if (operation.getParameters() != null) {
            parameters.addAll(operation.getParameters());
        }
        String path = template;
        for (Parameter parameter : parameters) {
            if ("path".equals(parameter.getIn())) {
                path = path.replace("{" + parameter.getName() + "}", nothingNamed(parameter));
            }
        }
        if (operation.getRequestBody() == null || operation.getRequestBody().getContent() == null) {
            return api.send(method, path, token, null, null, Map.of());
        }
        String contentType = operation.getRequestBody().getContent().keySet().iterator().next();
        // Uploads go without a body: refused or not, nothing is read or stored.
        return api.send(method, path, token, contentType.endsWith("json") ? "{}" : null, contentType, Map.of());
    }

    /** A well-formed value of a path parameter that names nothing stored. */
    private static String nothingNamed(Parameter parameter) {
        if (parameter.getSchema() != null && "uuid".equals(parameter.getSchema().getFormat())) {
            return UUID.randomUUID().toString();
        }
        return switch (parameter.getName()) {
            case "sha256" -> "0".repeat(64);
            case "hostname" -> "nothing.example.com";
            default -> "matrix-nothing";
        };
    }

}
