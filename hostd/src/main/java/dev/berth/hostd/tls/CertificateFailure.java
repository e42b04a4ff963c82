package dev.berth.hostd.tls;

/** Issuing or installing a certificate failed; the previous certificate (if any) keeps serving. */
public final class CertificateFailure extends Exception {
    public CertificateFailure(String message) {
        super(message);
    }

    public CertificateFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
