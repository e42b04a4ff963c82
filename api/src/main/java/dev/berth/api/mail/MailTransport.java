package dev.berth.api.mail;

/**
 * Hands one rendered message to the outside world (an SMTP server, a folder). Implementations are
 * thread-safe; a call may block for as long as the transport's own timeouts allow.
 */
public interface MailTransport {

    /**
     * Delivers one message.
     *
     * @throws MailFailure if the message could not be handed over; {@link MailFailure#permanent()}
     *                     says whether trying again can help
     */
    void deliver(OutgoingMail mail) throws MailFailure;

    /** A message ready to leave: its id (also its Message-ID's left part), recipient and bodies. */
    record OutgoingMail(java.util.UUID id, String recipient, String subject, String text, String html, java.time.Instant createdAt) {
    }

    /** A failed hand-over. */
    final class MailFailure extends Exception {
        private final boolean permanent;

        public MailFailure(String message, boolean permanent, Throwable cause) {
            super(message, cause);
            this.permanent = permanent;
        }

        /** True when the server refused the message itself (a bad address): retrying cannot help. */
        public boolean permanent() {
            return permanent;
        }
    }
}
