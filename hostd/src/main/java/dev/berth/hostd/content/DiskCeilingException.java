package dev.berth.hostd.content;

import dev.berth.hostd.site.InvalidSpecException;

/** A release was refused because the site would hold more than its disk ceiling; nothing was kept. */
public final class DiskCeilingException extends InvalidSpecException {
    public DiskCeilingException(String problem) {
        super(problem);
    }
}
