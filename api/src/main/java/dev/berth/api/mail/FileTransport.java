package dev.berth.api.mail;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each message as an {@code .eml} file (the exact bytes an SMTP server would receive) into
 * a folder and logs its path: {@code make run} uses it, so a local user can open a password-reset
 * link without a mail server. Files are written to a temporary name, forced to disk and renamed,
 * so a reader never sees half a message. Thread-safe.
 */
public final class FileTransport implements MailTransport {
    private static final Logger LOG = LoggerFactory.getLogger(FileTransport.class);
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

    private final Path directory;
    private final InternetAddress from;
    private final Session session = Session.getInstance(new Properties());

    /** @throws IllegalArgumentException if {@code from} is not an address */
    public FileTransport(Path directory, String from) {
        this.directory = directory;
        try {
            this.from = new InternetAddress(from, true);
        } catch (AddressException invalid) {
            throw new IllegalArgumentException("mail.from must be an address such as 'Berth <berth@example.com>'", invalid);
        }
    }

    @Override
    public void deliver(OutgoingMail mail) throws MailFailure {
        Path target = directory.resolve(NAME_TIME.format(mail.createdAt()) + "-" + mail.id() + ".eml");
        Path temporary = null;
        try {
            Files.createDirectories(directory);
            temporary = Files.createTempFile(directory, ".mail-", ".tmp");
            try (OutputStream out = Files.newOutputStream(temporary)) {
                MimeMessages.build(session, from, mail).writeTo(out);
                out.flush();
            }
            try (var channel = java.nio.channels.FileChannel.open(temporary, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temporary = null;
        } catch (IOException | MessagingException failed) {
            throw new MailFailure("writing " + target + " failed: " + failed.getMessage(), false, failed);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless and ignored by readers (dot name)
                }
            }
        }
        LOG.info("Mail to {} ({}) written to {}", mail.recipient(), mail.subject(), target.toAbsolutePath());
    }
}
