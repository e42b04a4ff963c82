package dev.berth.api.mail;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/** The {@code mail:} section of the API's configuration: how outgoing mail leaves. */
public class MailSettings {
    /**
     * {@code smtp}: through the server below. {@code files}: each message is written as an
     * {@code .eml} file into {@link #directory} and its path logged (development, or a host whose
     * mail is picked up from there).
     */
    @NotEmpty
    @Pattern(regexp = "^(smtp|files)$")
    @JsonProperty
    public String transport = "files";

    /** The sender, an address with an optional display name: {@code Berth <berth@example.com>}. */
    @NotEmpty
    @JsonProperty
    public String from = "Berth <berth@localhost>";

    /** Where links in messages lead (the portal's public URL). */
    @NotEmpty
    @Pattern(regexp = "^https?://[^\\s]+$")
    @JsonProperty
    public String portalUrl = "http://localhost:8080";

    /** For {@code files}: the folder of the .eml files; empty means {@code mail/} in the data directory. */
    @NotNull
    @JsonProperty
    public String directory = "";

    /** Attempts before a message is given up (marked failed); 30 s after the first failure, doubling up to an hour. */
    @Min(1)
    @Max(50)
    @JsonProperty
    public int maxAttempts = 10;

    /** How often the worker looks for due messages (it is also nudged when one is queued by this process). */
    @Min(100)
    @Max(600_000)
    @JsonProperty
    public long pollIntervalMillis = 5_000;

    @Valid
    @NotNull
    @JsonProperty
    public Smtp smtp = new Smtp();

    /** The transport these settings describe; {@code files} writes into {@code mail/} of the data directory unless told otherwise. */
    public MailTransport buildTransport(java.nio.file.Path dataDirectory) {
        if (transport.equals("smtp")) {
            return new SmtpTransport(smtp, from);
        }
        return new FileTransport(directory.isEmpty() ? dataDirectory.resolve("mail") : java.nio.file.Path.of(directory), from);
    }

    /** The SMTP server. */
    public static class Smtp {
        @NotNull
        @JsonProperty
        public String host = "localhost";

        @Min(1)
        @Max(65535)
        @JsonProperty
        public int port = 587;

        /**
         * {@code starttls} (port 587: the session must be upgraded to TLS before anything else,
         * never falling back to plain text), {@code tls} (port 465, TLS from the first byte) or
         * {@code none} (a relay on the same machine only).
         */
        @NotEmpty
        @Pattern(regexp = "^(starttls|tls|none)$")
        @JsonProperty
        public String security = "starttls";

        /** Empty: no authentication. */
        @NotNull
        @JsonProperty
        public String username = "";

        @NotNull
        @JsonProperty
        public String password = "";

        @Min(1)
        @Max(300)
        @JsonProperty
        public int timeoutSeconds = 30;
    }
}
