package dev.berth.api.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MailTemplateTest {

    private static Map<String, String> sample(MailTemplate template) {
        Map<String, String> values = new HashMap<>();
        for (String key : template.keys()) {
            values.put(key, key.endsWith("Url") ? "https://berth.test/" + key : key + "-value");
        }
        return values;
    }

    @Test
    void everyTemplateRendersASubjectATextAndAnHtmlDocumentWithEveryValue() {
        for (MailTemplate template : MailTemplate.values()) {
            MailTemplate.Rendered rendered = template.render(sample(template));
            assertThat(rendered.subject()).isNotBlank().doesNotContain("{{").doesNotContain("\n");
            assertThat(rendered.text()).doesNotContain("{{");
            assertThat(rendered.html()).startsWith("<!DOCTYPE html>").doesNotContain("{{");
            for (Map.Entry<String, String> value : sample(template).entrySet()) {
                assertThat(rendered.text() + rendered.subject()).as(template + " " + value.getKey()).contains(value.getValue());
            }
        }
    }

    @Test
    void valuesAreEscapedInHtmlAndCannotAddLinesToTheSubject() {
        Map<String, String> values = sample(MailTemplate.INVITATION);
        values.put("tenantName", "acme\r\nBcc: victim@example.com <script>alert(1)</script>");
        values.put("inviterEmail", "\"ada\"@example.com");
        MailTemplate.Rendered rendered = MailTemplate.INVITATION.render(values);
        assertThat(rendered.subject()).doesNotContain("\r").doesNotContain("\n").contains("acme  Bcc: victim@example.com");
        assertThat(rendered.html()).doesNotContain("<script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;").contains("&quot;ada&quot;");
        assertThat(rendered.text()).doesNotContain("\r\nBcc");
    }

    @Test
    void aValueThatLooksLikeAPlaceholderIsNotFilledAgain() {
        Map<String, String> values = sample(MailTemplate.EVENT_NOTIFICATION);
        values.put("summary", "{{content}} {{tenantName}}");
        MailTemplate.Rendered rendered = MailTemplate.EVENT_NOTIFICATION.render(values);
        assertThat(rendered.html()).contains("{{content}} {{tenantName}}");
        assertThat(rendered.subject()).isEqualTo("[tenantName-value] {{content}} {{tenantName}}");
    }

    @Test
    void linksMustBeAbsoluteHttpUrls() {
        Map<String, String> values = sample(MailTemplate.PASSWORD_RESET);
        values.put("resetUrl", "javascript:alert(1)");
        assertThatThrownBy(() -> MailTemplate.PASSWORD_RESET.render(values)).hasMessage("mail value resetUrl must be an absolute http(s) URL");
    }

    @Test
    void missingAndUnexpectedValuesAreNamed() {
        assertThatThrownBy(() -> MailTemplate.EMAIL_VERIFICATION.render(Map.of("verifyURL", "https://x.test")))
                .hasMessage("mail template email-verification needs exactly [verifyUrl]; missing [verifyUrl]; unexpected [verifyURL]");
    }

    @Test
    void aRecipientIsOnePlainAddress() {
        assertThat(MimeMessages.parseRecipient("ada@example.com").getAddress()).isEqualTo("ada@example.com");
        for (String bad : new String[] {"Ada <ada@example.com>", "a@example.com, b@example.com", "ada@example.com\r\nBcc: x@y.z", " ada@example.com",
                "no-at-sign", "undisclosed:;", ""}) {
            assertThatThrownBy(() -> MimeMessages.parseRecipient(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
