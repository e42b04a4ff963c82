package dev.berth.api.mail;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import javax.net.ssl.SSLSocketFactory;

/**
 * Sends through an SMTP server with Angus Mail (the Jakarta Mail implementation). With
 * {@code starttls} the session must be upgraded to TLS before authentication or any message, and
 * a server that does not offer STARTTLS is refused (no silent fall-back to plain text); with
 * {@code tls} the connection is TLS from the first byte. In both cases the server's certificate
 * must be trusted and name the configured host. Every step is bounded by the configured timeout.
 * One connection per message: Berth's mail is rare. Thread-safe.
 */
public final class SmtpTransport implements MailTransport {
    private final MailSettings.Smtp settings;
    private final InternetAddress from;
    private final Session session;

    /** With the JDK's trusted certificates. */
    public SmtpTransport(MailSettings.Smtp settings, String from) {
        this(settings, from, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /**
     * @param tls the TLS socket factory (the JDK default in production; tests trust their own certificate)
     * @throws IllegalArgumentException if {@code from} is not an address
     */
    public SmtpTransport(MailSettings.Smtp settings, String from, SSLSocketFactory tls) {
        this.settings = settings;
        try {
            this.from = new InternetAddress(from, true);
        } catch (AddressException invalid) {
            throw new IllegalArgumentException("mail.from must be an address such as 'Berth <berth@example.com>'", invalid);
        }
        Properties properties = new Properties();
        String timeout = Long.toString(settings.timeoutSeconds * 1000L);
        properties.put("mail.smtp.host", settings.host);
        properties.put("mail.smtp.port", Integer.toString(settings.port));
        properties.put("mail.smtp.connectiontimeout", timeout);
        properties.put("mail.smtp.timeout", timeout);
        properties.put("mail.smtp.writetimeout", timeout);
        properties.put("mail.smtp.auth", Boolean.toString(!settings.username.isEmpty()));
        properties.put("mail.smtp.ssl.checkserveridentity", "true");
        properties.put("mail.smtp.ssl.protocols", "TLSv1.3 TLSv1.2");
        properties.put("mail.smtp.ssl.socketFactory", tls);
        switch (settings.security) {
            case "starttls" -> {
                properties.put("mail.smtp.starttls.enable", "true");
                properties.put("mail.smtp.starttls.required", "true");
            }
            case "tls" -> properties.put("mail.smtp.ssl.enable", "true");
            case "none" -> {
                // a relay on this machine (the operator's choice); credentials, if any, travel in clear
            }
            default -> throw new IllegalArgumentException("mail.smtp.security must be starttls, tls or none");
        }
        this.session = Session.getInstance(properties);
    }

    @Override
    public void deliver(OutgoingMail mail) throws MailFailure {
        try {
            MimeMessage message = MimeMessages.build(session, from, mail);
            try (Transport transport = session.getTransport("smtp")) {
                if (settings.username.isEmpty()) {
                    transport.connect();
                } else {
                    transport.connect(settings.host, settings.port, settings.username, settings.password);
                }
                transport.sendMessage(message, message.getAllRecipients());
            }
        } catch (SendFailedException refused) {
            boolean permanent = refused.getValidUnsentAddresses() == null || refused.getValidUnsentAddresses().length == 0;
            throw new MailFailure("the SMTP server refused the message: " + oneLine(refused), permanent, refused);
        } catch (AuthenticationFailedException denied) {
            throw new MailFailure("the SMTP server refused Berth's credentials: " + oneLine(denied), false, denied);
        } catch (MessagingException failed) {
            throw new MailFailure("sending through " + settings.host + ":" + settings.port + " failed: " + oneLine(failed), false, failed);
        }
    }

    private static String oneLine(Exception failure) {
        String message = String.valueOf(failure.getMessage());
        Throwable cause = failure.getCause();
        if (cause != null && cause.getMessage() != null) {
            message += " (" + cause.getMessage() + ")";
        }
        return message.replaceAll("\\s+", " ").strip();
    }
}
