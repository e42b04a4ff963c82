package dev.berth.hostprotocol.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ServingRulesTest {
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static ServingRules redirects(String text) throws RuleException {
        return ServingRules.parse(bytes(text), null);
    }

    private static ServingRules headers(String text) throws RuleException {
        return ServingRules.parse(null, bytes(text));
    }

    @Test
    void parsesNetlifyRedirectsWithStatusesSplatsPlaceholdersAndForce() throws RuleException {
        ServingRules rules = redirects("""
                # comment
                /old            /new
                /blog/*         /posts/:splat   302
                /news/:year/:id /articles/:year-:id 307!
                /app/*          /index.html     200
                /gone           /missing.html   404
                /docs/          https://docs.example.com/start 308
                """);

        assertThat(rules.redirects()).extracting(ServingRules.Redirect::line, ServingRules.Redirect::status, ServingRules.Redirect::force)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(2, 301, false), org.assertj.core.groups.Tuple.tuple(3, 302, false),
                        org.assertj.core.groups.Tuple.tuple(4, 307, true), org.assertj.core.groups.Tuple.tuple(5, 200, false),
                        org.assertj.core.groups.Tuple.tuple(6, 404, false), org.assertj.core.groups.Tuple.tuple(7, 308, false));
        assertThat(rules.redirects().get(1).from().splat()).isTrue();
        assertThat(rules.redirects().get(2).from().segments()).containsExactly("news", ":year", ":id");
        assertThat(rules.redirects().get(5).from().segments()).containsExactly("docs");
        assertThat(rules.compile()).startsWith("r~301~0~/old~/new,r~302~0~/blog/*~/posts/%3Asplat,r~307~1~/news/:year/:id~");
    }

    @Test
    void parsesHeaderBlocksPerPathPattern() throws RuleException {
        ServingRules rules = headers("""
                /*
                  X-Frame-Options: DENY
                  Content-Security-Policy: default-src 'self'; img-src *
                /assets/:name
                \tCache-Control: public, max-age=31536000, immutable
                """);

        assertThat(rules.headers()).extracting(ServingRules.Header::line, ServingRules.Header::name)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(2, "X-Frame-Options"),
                        org.assertj.core.groups.Tuple.tuple(3, "Content-Security-Policy"),
                        org.assertj.core.groups.Tuple.tuple(5, "Cache-Control"));
        assertThat(rules.compile()).contains("h~/*~X-Frame-Options~DENY")
                .contains("h~/*~Content-Security-Policy~default-src%20%27self%27%3B%20img-src%20%2A");
    }

    @Test
    void acceptsCrLfLineEndings() throws RuleException {
        assertThat(redirects("/a /b\r\n/c /d 302\r\n").redirects()).hasSize(2);
    }

    static Stream<Arguments> hostileRedirects() {
        return Stream.of(
                Arguments.of("/a /b\n/x /y; return 200 pwned", 2),
                Arguments.of("/a /b }\n", 1),
                Arguments.of("/a }; location / { return 200; } 301", 1),
                Arguments.of("/a\r/b 301", 1),
                Arguments.of("/ok /ok\n/a /b\0 301", 2),
                Arguments.of("/a /b\"", 1),
                Arguments.of("/a /b\\evil", 1),
                Arguments.of("/a /%0d%0aSet-Cookie:x=1", 1),
                Arguments.of("/a javascript:alert(1)", 1),
                Arguments.of("/a JavaScript:alert(1) 302", 1),
                Arguments.of("/a data:text/html,hi", 1),
                Arguments.of("/a //evil.example/", 1),
                Arguments.of("/a /\\evil.example/", 1),
                Arguments.of("/a https://:splat.evil/ 302", 1),
                Arguments.of("/a/* https://evil.example:splat/", 1),
                Arguments.of("/a https://evil.example/x 200", 1),
                Arguments.of("/a /b 418", 1),
                Arguments.of("/a /b 301!!", 1),
                Arguments.of("/a /:splat", 1),
                Arguments.of("/a /:user", 1),
                Arguments.of("/a/%2F /b", 1),
                Arguments.of("/a/%00 /b", 1),
                Arguments.of("/a/../etc /b", 1),
                Arguments.of("/a/*/b /c", 1),
                Arguments.of("/a/(.*) /b", 1),
                Arguments.of("/a/%1 /b", 1),
                Arguments.of("/a/[^/]+$ /b", 1),
                Arguments.of("/a/%%5B /b", 1),
                Arguments.of("a /b", 1),
                Arguments.of("https://example.com/* /b", 1),
                Arguments.of("/a /b 301 Country=us", 1),
                Arguments.of("/store id=:id /b", 1),
                Arguments.of("/a", 1),
                Arguments.of("/a /\u00e9", 1),
                Arguments.of("/a/:x/:x /b", 1),
                Arguments.of("/a/:splat /b", 1),
                Arguments.of("/" + "a".repeat(2000) + " /b", 1));
    }

    @ParameterizedTest
    @MethodSource("hostileRedirects")
    void refusesHostileRedirectsNamingTheirLine(String text, int line) {
        assertThatThrownBy(() -> redirects(text)).isInstanceOf(RuleException.class)
                .satisfies(thrown -> {
                    RuleException rule = (RuleException) thrown;
                    assertThat(rule.file()).isEqualTo("_redirects");
                    assertThat(rule.line()).isEqualTo(line);
                    assertThat(rule.getMessage()).startsWith("_redirects line " + line + ": ");
                });
    }

    static Stream<Arguments> hostileHeaders() {
        return Stream.of(
                Arguments.of("  X-A: b\n", 1),
                Arguments.of("/*\n  X: a\r\nSet-Cookie: x=1\n", 3),
                Arguments.of("/*\n  X: a\rSet-Cookie: x=1\n", 2),
                Arguments.of("/*\n  X: a\0b\n", 2),
                Arguments.of("/*\n  Set-Cookie: session=stolen\n", 2),
                Arguments.of("/*\n  set-cookie: session=stolen\n", 2),
                Arguments.of("/*\n  Transfer-Encoding: chunked\n", 2),
                Arguments.of("/*\n  Content-Length: 0\n", 2),
                Arguments.of("/*\n  Connection: close\n", 2),
                Arguments.of("/*\n  Location: https://evil.example/\n", 2),
                Arguments.of("/*\n  X-Accel-Redirect: /etc/passwd\n", 2),
                Arguments.of("/*\n  Strict-Transport-Security: max-age=0\n", 2),
                Arguments.of("/*\n  WWW-Authenticate: Basic\n", 2),
                Arguments.of("/*\n  X Y: z\n", 2),
                Arguments.of("/*\n  X_Y: z\n", 2),
                Arguments.of("/*\n  X-\"a: z\n", 2),
                Arguments.of("/*\n  X-A:\n", 2),
                Arguments.of("/*\n  X-A: a\tb\n", 2),
                Arguments.of("/*\n  X-A: caf\u00e9\n", 2),
                Arguments.of("/*\n  nothing here\n", 2),
                Arguments.of("/a; }\n  X-A: b\n", 1),
                Arguments.of("/*\n  X-A: " + "v".repeat(2000) + "\n", 2));
    }

    @ParameterizedTest
    @MethodSource("hostileHeaders")
    void refusesHostileHeadersNamingTheirLine(String text, int line) {
        assertThatThrownBy(() -> headers(text)).isInstanceOf(RuleException.class)
                .satisfies(thrown -> assertThat(((RuleException) thrown).line()).isEqualTo(line))
                .hasMessageStartingWith("_headers line " + line + ": ");
    }

    /**
     * What a rule may hold as data (quotes, semicolons, braces are not in paths; values may carry
     * them) never leaves the compiled form's alphabet: no byte outside it reaches the route record.
     */
    @Test
    void compiledFormHoldsOnlyItsAlphabetWhateverTheRulesHold() throws RuleException {
        ServingRules rules = ServingRules.parse(bytes("""
                /a;b/'q'/(x)/$c/@d/%25%22%7B%7D%5C%0A? /a?b=c&d='e';f#g 302
                /%E2%9C%93 /ok
                """.replace("%0A?", "x")), bytes("""
                /*
                  X-Test: '"; } location / { return 200 "pwned"; } \\ --]] ngx.exec("@x") %0d%0a
                  Content-Security-Policy: script-src 'nonce-abc' 'strict-dynamic'; object-src 'none'
                """));

        String compiled = rules.compile();

        assertThat(ServingRules.isCompiledForm(compiled)).isTrue();
        assertThat(compiled).doesNotContain(" ", "\"", "'", ";", "{", "}", "\\", "\n", "\r", "|", "(", "[", "$", "#");
        assertThat(rules.redirects().get(0).from().segments()).containsExactly("a;b", "'q'", "(x)", "$c", "@d", "%\"{}\\x");
        assertThat(rules.redirects().get(1).from().segments()).containsExactly("\u00e2\u009c\u0093");
        assertThat(compiled).contains("r~301~0~/%E2%9C%93~/ok");
    }

    @Test
    void boundsCountsAndSizes() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= ServingRules.MAX_REDIRECTS; i++) {
            many.append("/a").append(i).append(" /b\n");
        }
        assertThatThrownBy(() -> redirects(many.toString())).hasMessage("_redirects line 1001: more than 1000 rules");
        StringBuilder headers = new StringBuilder("/*\n");
        for (int i = 0; i <= ServingRules.MAX_HEADERS; i++) {
            headers.append(" X-A").append(i).append(": b\n");
        }
        assertThatThrownBy(() -> headers(headers.toString())).hasMessage("_headers line 1002: more than 1000 headers");
        assertThatThrownBy(() -> redirects("#" + "x".repeat(ServingRules.MAX_FILE_BYTES)))
                .hasMessage("_redirects: the file is larger than 65536 bytes");
    }

    @Test
    void noFilesMeanNoRules() throws RuleException {
        assertThat(ServingRules.parse(null, null).isEmpty()).isTrue();
        assertThat(ServingRules.parse(null, null).compile()).isEmpty();
        assertThat(List.of(ServingRules.NONE.compile())).containsExactly("");
    }
}
