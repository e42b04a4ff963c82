package dev.berth.api.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.berth.api.deploys.git.TestCertificate;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SMTP transport against a real SMTP server (GreenMail) on free loopback ports: plain SMTP
 * with authentication, SMTPS with a certificate the client must trust, and STARTTLS demanded of a
 * server that does not offer it.
 */
class SmtpTransportTest {
    private static TestCertificate certificate;
    private GreenMail server;

    @BeforeAll
    static void loopbackCertificate() throws Exception {
        Path directory = Files.createTempDirectory("berth-smtp-");
        directory.toFile().deleteOnExit();
        certificate = new TestCertificate(directory);
        // GreenMail reads its TLS key store once per JVM, from these properties.
        System.setProperty("greenmail.tls.keystore.file", certificate.keyStoreFile().toString());
        System.setProperty("greenmail.tls.keystore.password", "changeit");
        System.setProperty("greenmail.tls.key.password", "changeit");
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    private GreenMail start(String protocol) {
        server = new GreenMail(new ServerSetup(0, "127.0.0.1", protocol).dynamicPort());
        server.setUser("berth@berth.test", "berth", "smtp-secret");
        server.start();
        return server;
    }

    private static MailSettings.Smtp settings(int port, String security, String password) {
        MailSettings.Smtp smtp = new MailSettings.Smtp();
        smtp.host = "127.0.0.1";
        smtp.port = port;
        smtp.security = security;
        smtp.username = "berth";
        smtp.password = password;
        smtp.timeoutSeconds = 5;
        return smtp;
    }

    private static MailTransport.OutgoingMail reset(String to) {
        MailTemplate.Rendered rendered = MailTemplate.PASSWORD_RESET.render(Map.of("resetUrl", "https://berth.test/reset#t=abc&x=1",
                "expiresInMinutes", "30"));
        return new MailTransport.OutgoingMail(UUID.randomUUID(), to, rendered.subject(), rendered.text(), rendered.html(), Instant.now());
    }

    private SSLSocketFactory trusting() throws Exception {
        return certificate.clientContext().getSocketFactory();
    }

    @Test
    void aMessageGoesThroughSmtpWithAuthenticationAsPlainTextAndHtml() throws Exception {
        GreenMail smtp = start("smtp");
        MailTransport.OutgoingMail mail = reset("ada@example.com");
        new SmtpTransport(settings(smtp.getSmtp().getPort(), "none", "smtp-secret"), "Berth <berth@berth.test>", trusting()).deliver(mail);

        MimeMessage received = smtp.getReceivedMessages()[0];
        assertThat(received.getSubject()).isEqualTo("Reset your Berth password");
        assertThat(received.getFrom()[0].toString()).isEqualTo("Berth <berth@berth.test>");
        assertThat(received.getAllRecipients()[0].toString()).isEqualTo("ada@example.com");
        assertThat(received.getMessageID()).isEqualTo("<" + mail.id() + "@berth.test>");
        MimeMultipart parts = (MimeMultipart) received.getContent();
        assertThat(parts.getContentType()).startsWith("multipart/alternative");
        assertThat(parts.getBodyPart(0).getContentType()).startsWith("text/plain");
        assertThat(parts.getBodyPart(0).getContent().toString()).contains("https://berth.test/reset#t=abc&x=1");
        assertThat(parts.getBodyPart(1).getContentType()).startsWith("text/html");
        assertThat(parts.getBodyPart(1).getContent().toString()).contains("href=\"https://berth.test/reset#t=abc&amp;x=1\"");
    }

    @Test
    void smtpsSpeaksTlsFromTheFirstByteToATrustedCertificate() throws Exception {
        GreenMail smtps = start("smtps");
        new SmtpTransport(settings(smtps.getSmtps().getPort(), "tls", "smtp-secret"), "berth@berth.test", trusting()).deliver(reset("bob@example.com"));
        assertThat(smtps.getReceivedMessages()).hasSize(1);
    }

    @Test
    void smtpsRefusesACertificateTheClientDoesNotTrust() {
        GreenMail smtps = start("smtps");
        SmtpTransport transport = new SmtpTransport(settings(smtps.getSmtps().getPort(), "tls", "smtp-secret"), "berth@berth.test",
                (SSLSocketFactory) SSLSocketFactory.getDefault());
        assertThatThrownBy(() -> transport.deliver(reset("eve@example.com"))).isInstanceOf(MailTransport.MailFailure.class);
        assertThat(smtps.getReceivedMessages()).isEmpty();
    }

    @Test
    void starttlsIsRequiredSoAServerWithoutItNeverSeesTheCredentialsOrTheMessage() throws Exception {
        GreenMail smtp = start("smtp");
        SmtpTransport transport = new SmtpTransport(settings(smtp.getSmtp().getPort(), "starttls", "smtp-secret"), "berth@berth.test", trusting());
        assertThatThrownBy(() -> transport.deliver(reset("carol@example.com")))
                .isInstanceOf(MailTransport.MailFailure.class)
                .hasMessageContaining("STARTTLS");
        assertThat(smtp.getReceivedMessages()).isEmpty();
    }

    @Test
    void aWrongPasswordIsARetryableFailure() {
        GreenMail smtp = start("smtp");
        SmtpTransport transport = new SmtpTransport(settings(smtp.getSmtp().getPort(), "none", "wrong"), "berth@berth.test",
                (SSLSocketFactory) SSLSocketFactory.getDefault());
        assertThatThrownBy(() -> transport.deliver(reset("dan@example.com")))
                .isInstanceOfSatisfying(MailTransport.MailFailure.class, failure -> assertThat(failure.permanent()).isFalse());
        assertThat(smtp.getReceivedMessages()).isEmpty();
    }
}
