package dev.berth.hostprotocol;

/**
 * One request a host's proxy served for a site, as hostd reads it from the site's JSON access log.
 * {@code time} is ISO 8601 with an offset, as nginx writes it; {@code bytesSent} counts the body.
 */
public record AccessLogEntry(String time, String host, String remoteAddress, String method, String uri, int status,
                             long bytesSent, double requestSeconds, String userAgent) {
}
