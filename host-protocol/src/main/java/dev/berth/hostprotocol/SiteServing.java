package dev.berth.hostprotocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * How the proxy serves a site's files beyond them: its switches, set through the API. The rules of
 * the content itself ({@code _redirects}, {@code _headers}, {@code 404.html}) travel with the release,
 * not here; hostd reads them from the installed release.
 *
 * @param spa       a path that matches no file and no rule answers the release's {@code /index.html} with 200
 *                  (a single-page app routes in the browser)
 * @param cleanUrls {@code /about} serves {@code about.html}, and {@code /about.html} redirects (301) to {@code /about}
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record SiteServing(boolean spa, boolean cleanUrls) {
    /** Both switches off: files as they are, the behaviour of a spec without the field. */
    public static final SiteServing PLAIN = new SiteServing(false, false);
}
