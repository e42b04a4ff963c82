package dev.berth.cli.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What {@code berth login} keeps: the API's address (the server's root, e.g.
 * {@code https://berth.example.com}), a personal access token ({@code berth_pat_...}) and the
 * e-mail address of its user (null when unknown), which {@code berth tokens} logs in with.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Credentials(String api, String token, String email) {
    public Credentials {
        if (api == null || api.isBlank()) {
            throw new IllegalArgumentException("the API address must not be empty");
        }
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the token must not be empty");
        }
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "Credentials[api=" + api + ", email=" + email + "]";
    }
}
