package dev.berth.api.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OperationRulesTest {
    private static final String HEAD = """
            security:
              - bearerAuth: []
            paths:
              /things:
                get:
                  operationId: listThings
            """;

    private static OperationRules parse(String roles) {
        return OperationRules.parse(yaml(HEAD + roles));
    }

    private static JsonNode yaml(String text) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Caller caller(Caller.Role role, boolean platformAdmin) {
        return new Caller(UUID.randomUUID(), "a@example.com", UUID.randomUUID(), role, platformAdmin, null, null,
                Set.of(Caller.Scope.READ, Caller.Scope.WRITE), null, UUID.randomUUID());
    }

    @Test
    void theServedContractRulesEveryOperation() {
        OperationRules rules = OperationRules.fromContract();
        assertThat(rules.rule("login").orElseThrow().open()).isTrue();
        assertThat(rules.rule("createSite").orElseThrow().roles())
                .containsExactlyInAnyOrder(Caller.Role.OWNER, Caller.Role.ADMIN, Caller.Role.DEVELOPER);
        assertThat(rules.rule("adminListUsers").orElseThrow().platformAdmin()).isTrue();
        assertThat(rules.all()).allMatch(rule -> rule.open() || rule.platformAdmin() || !rule.roles().isEmpty());
    }

    @Test
    void theRolesTableOfDocsApiMdIsTheContracts() throws java.io.IOException {
        StringBuilder table = new StringBuilder("| operation | method and path | who may call it |\n|---|---|---|\n");
        for (OperationRules.Rule rule : OperationRules.fromContract().all()) {
            if (!rule.open()) {
                table.append("| `").append(rule.operationId()).append("` | ").append(rule.method()).append(' ').append(rule.path())
                        .append(" | ").append(rule.describe()).append(" |\n");
            }
        }
        String docs = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "api.md"));
        assertThat(docs).as("docs/api.md must hold the roles table generated from openapi.yaml:%n%s", table).contains(table);
    }

    @Test
    void aTenantRoleRuleAllowsItsRolesWhateverThePlatformAdminFlag() {
        OperationRules.Rule rule = parse("      x-berth-roles: [owner, developer]\n").rule("listThings").orElseThrow();
        assertThat(rule.allows(caller(Caller.Role.DEVELOPER, false))).isTrue();
        assertThat(rule.allows(caller(Caller.Role.ADMIN, false))).isFalse();
        assertThat(rule.allows(caller(Caller.Role.VIEWER, true))).isFalse();
        assertThat(rule.describe()).isEqualTo("owner, developer");
    }

    @Test
    void aPlatformAdminRuleAllowsPlatformAdminsOfAnyRoleAndNobodyElse() {
        OperationRules.Rule rule = parse("      x-berth-roles: [platform-admin]\n").rule("listThings").orElseThrow();
        assertThat(rule.allows(caller(Caller.Role.VIEWER, true))).isTrue();
        assertThat(rule.allows(caller(Caller.Role.OWNER, false))).isFalse();
    }

    @Test
    void anOperationNeedingATokenWithoutRulesIsRefused() {
        assertThatThrownBy(() -> parse("")).isInstanceOf(IllegalStateException.class).hasMessageContaining("listThings");
        assertThatThrownBy(() -> parse("      x-berth-roles: []\n")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anUnknownRoleOrPlatformAdminAmongTenantRolesIsRefused() {
        assertThatThrownBy(() -> parse("      x-berth-roles: [member]\n")).hasMessageContaining("'member', which is no role");
        assertThatThrownBy(() -> parse("      x-berth-roles: [platform-admin, owner]\n")).hasMessageContaining("stands alone");
    }

    @Test
    void aPublicOperationCarriesNoRoles() {
        assertThat(parse("      security: []\n").rule("listThings").orElseThrow().open()).isTrue();
        assertThatThrownBy(() -> parse("      security: []\n      x-berth-roles: [viewer]\n")).hasMessageContaining("public");
    }
}
