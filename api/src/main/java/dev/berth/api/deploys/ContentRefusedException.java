package dev.berth.api.deploys;

/** Content (an archive, a repository) broke a rule; the message states which, for the tenant. */
public class ContentRefusedException extends Exception {
    private final boolean overQuota;

    public ContentRefusedException(String message, boolean overQuota) {
        super(message);
        this.overQuota = overQuota;
    }

    /** True when the content is refused for its size rather than its shape. */
    public boolean overQuota() {
        return overQuota;
    }
}
