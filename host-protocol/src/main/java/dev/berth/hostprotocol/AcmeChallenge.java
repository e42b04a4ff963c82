package dev.berth.hostprotocol;

/**
 * One HTTP-01 answer a node's proxy must give while another node's ACME order waits for the CA:
 * {@code GET /.well-known/acme-challenge/TOKEN} answers {@code keyAuthorization} for every
 * hostname ({@code PUT /v1/acme/challenges/{token}}; {@code DELETE} drops it). Also an entry of
 * {@link PendingOrder#challenges()}.
 *
 * @param token            the CA's token: 16 to 256 characters of base64url
 * @param keyAuthorization {@code TOKEN.THUMBPRINT} of the ordering node's ACME account
 */
public record AcmeChallenge(String token, String keyAuthorization) {
}
