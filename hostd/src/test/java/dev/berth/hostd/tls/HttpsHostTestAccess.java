package dev.berth.hostd.tls;

import javax.net.ssl.SSLContext;

/** The HTTPS helpers of {@link HttpsHostTest} for host tests in other packages. */
public final class HttpsHostTestAccess {
    private HttpsHostTestAccess() {
    }

    public static SSLContext trusting(String rootPem) throws Exception {
        return HttpsHostTest.trusting(rootPem);
    }

    public static int status(SSLContext trust, String host, int port, String path) throws Exception {
        return HttpsHostTest.get(trust, host, port, path).status();
    }

    public static String text(SSLContext trust, String host, int port, String path) throws Exception {
        return HttpsHostTest.get(trust, host, port, path).text();
    }

    public static void assertRefusedWithoutACertificate(int port, String sni) throws Exception {
        HttpsHostTest.assertRefusedWithoutACertificate(port, sni);
    }
}
