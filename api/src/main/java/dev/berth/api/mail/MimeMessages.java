package dev.berth.api.mail;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
import java.util.Date;

/** Builds the one MIME shape Berth sends: multipart/alternative with a plain-text and an HTML part. */
final class MimeMessages {
    private MimeMessages() {
    }

    static MimeMessage build(Session session, InternetAddress from, MailTransport.OutgoingMail mail) throws MessagingException {
        String messageId = "<" + mail.id() + "@" + domainOf(from) + ">";
        MimeMessage message = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                // The queue id, not a random one: a retry of the same message carries the same Message-ID.
                setHeader("Message-ID", messageId);
            }
        };
        message.setFrom(from);
        message.setRecipient(jakarta.mail.Message.RecipientType.TO, parseRecipient(mail.recipient()));
        message.setSubject(mail.subject(), StandardCharsets.UTF_8.name());
        message.setSentDate(Date.from(mail.createdAt()));
        MimeBodyPart text = new MimeBodyPart();
        text.setText(mail.text(), StandardCharsets.UTF_8.name(), "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(mail.html(), StandardCharsets.UTF_8.name(), "html");
        MimeMultipart alternative = new MimeMultipart("alternative");
        alternative.addBodyPart(text);
        alternative.addBodyPart(html);
        message.setContent(alternative);
        message.saveChanges();
        return message;
    }

    /**
     * One plain address ({@code ada@example.com}): no display name, no group, no list, at most 254
     * characters, checked strictly (RFC 822 syntax).
     *
     * @throws IllegalArgumentException otherwise
     */
    static InternetAddress parseRecipient(String recipient) {
        if (recipient == null || recipient.isEmpty() || recipient.length() > 254 || !recipient.equals(recipient.strip())) {
            throw new IllegalArgumentException("a recipient must be one e-mail address of at most 254 characters");
        }
        try {
            InternetAddress address = new InternetAddress(recipient, true);
            if (address.isGroup() || address.getPersonal() != null || !recipient.equals(address.getAddress()) || !recipient.contains("@")) {
                throw new IllegalArgumentException("a recipient must be one plain e-mail address, like ada@example.com");
            }
            return address;
        } catch (jakarta.mail.internet.AddressException invalid) {
            throw new IllegalArgumentException("a recipient must be one plain e-mail address, like ada@example.com", invalid);
        }
    }

    private static String domainOf(InternetAddress from) {
        String address = from.getAddress();
        return address.substring(address.indexOf('@') + 1);
    }
}
