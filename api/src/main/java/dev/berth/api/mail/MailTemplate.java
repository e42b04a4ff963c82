package dev.berth.api.mail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The messages Berth sends, each a plain-text and a simple HTML body with {@code {{name}}}
 * placeholders (resources under {@code dev/berth/api/mail/templates/}). Values are escaped for
 * HTML, stripped of control characters (so no value can add a header line or a line of its own to
 * the subject), and values named {@code ...Url} must be absolute http(s) URLs. Immutable.
 */
public enum MailTemplate {
    /** An owner invites someone to a tenant. */
    INVITATION("invitation", "tenantName", "inviterEmail", "role", "acceptUrl", "expiresAt"),
    /** A single-use link to choose a new password. */
    PASSWORD_RESET("password-reset", "resetUrl", "expiresInMinutes"),
    /** A link that confirms an address at signup. */
    EMAIL_VERIFICATION("email-verification", "verifyUrl"),
    /** One tenant event a member asked to be e-mailed about. */
    EVENT_NOTIFICATION("event-notification", "tenantName", "eventType", "summary", "occurredAt", "detailsUrl", "preferencesUrl");


    private final String resourceName;
    private final Set<String> keys;
    private final String subject;
    private final String text;
    private final String html;

    MailTemplate(String resourceName, String... keys) {
        this.resourceName = resourceName;
        this.keys = Set.copyOf(List.of(keys));
        String plain = resource(resourceName + ".txt");
        if (!plain.startsWith("Subject: ") || !plain.contains("\n\n")) {
            throw new IllegalStateException("mail template " + resourceName + ".txt must start with a Subject: line and a blank line");
        }
        this.subject = plain.substring("Subject: ".length(), plain.indexOf('\n'));
        this.text = plain.substring(plain.indexOf("\n\n") + 2);
        this.html = resource(resourceName + ".html");
        Set<String> used = new TreeSet<>(placeholders(subject));
        used.addAll(placeholders(text));
        used.addAll(placeholders(html));
        if (!used.equals(new TreeSet<>(this.keys))) {
            throw new IllegalStateException("mail template " + resourceName + " uses " + used + " but declares " + new TreeSet<>(this.keys));
        }
    }

    /** The names every {@link #render} call must give a value, no more and no fewer. */
    public Set<String> keys() {
        return keys;
    }

    /** The wire name stored with a queued message ({@code password-reset}). */
    public String wireName() {
        return resourceName;
    }

    /**
     * Fills the template.
     *
     * @throws IllegalArgumentException naming a missing or unexpected value, or a {@code ...Url}
     *                                  value that is not an absolute http(s) URL
     */
    public Rendered render(Map<String, String> values) {
        if (!values.keySet().equals(keys)) {
            Set<String> missing = new TreeSet<>(keys);
            missing.removeAll(values.keySet());
            Set<String> unexpected = new TreeSet<>(values.keySet());
            unexpected.removeAll(keys);
            throw new IllegalArgumentException("mail template " + resourceName + " needs exactly " + new TreeSet<>(keys)
                    + (missing.isEmpty() ? "" : "; missing " + missing) + (unexpected.isEmpty() ? "" : "; unexpected " + unexpected));
        }
        values.forEach((key, value) -> {
            if (value == null) {
                throw new IllegalArgumentException("mail value " + key + " must not be null");
            }
            if (key.endsWith("Url")) {
                requireWebUrl(key, value);
            }
        });
        String renderedSubject = fill(subject, values, false);
        if (renderedSubject.length() > 200) {
            renderedSubject = renderedSubject.substring(0, 199) + "…";
        }
        String body = fill(html, values, true);
        // One pass over the layout: a value that looks like a placeholder is never filled again.
        Matcher layout = Shared.PLACEHOLDER.matcher(Shared.LAYOUT);
        StringBuilder page = new StringBuilder();
        while (layout.find()) {
            layout.appendReplacement(page, Matcher.quoteReplacement(layout.group(1).equals("content") ? body : escapeHtml(renderedSubject)));
        }
        layout.appendTail(page);
        return new Rendered(renderedSubject, fill(text, values, false), page.toString());
    }

    /** A filled template: a one-line subject, the plain text and the HTML document. */
    public record Rendered(String subject, String text, String html) {
    }

    private static String fill(String template, Map<String, String> values, boolean html) {
        Matcher matcher = Shared.PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = oneLine(values.get(matcher.group(1)));
            matcher.appendReplacement(out, Matcher.quoteReplacement(html ? escapeHtml(value) : value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /** Control characters (CR and LF among them) become spaces: a value is always one line. */
    private static String oneLine(String value) {
        return value.replaceAll("[\\p{Cntrl}\\u2028\\u2029]", " ");
    }

    static String escapeHtml(String value) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (char c : value.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static void requireWebUrl(String key, String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
                throw new IllegalArgumentException("mail value " + key + " must be an absolute http(s) URL");
            }
        } catch (URISyntaxException invalid) {
            throw new IllegalArgumentException("mail value " + key + " must be an absolute http(s) URL", invalid);
        }
    }

    private static Set<String> placeholders(String template) {
        Set<String> found = new LinkedHashSet<>();
        Matcher matcher = Shared.PLACEHOLDER.matcher(template);
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }

    /** Statics the constants' constructors use: an enum's own static fields are set only after its constants. */
    private static final class Shared {
        static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z]+)}}");
        static final String LAYOUT = resource("layout.html");
    }

    private static String resource(String name) {
        try (InputStream in = MailTemplate.class.getResourceAsStream("templates/" + name)) {
            if (in == null) {
                throw new IllegalStateException("mail template resource " + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
