package dev.berth.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client ({@code Connection: close}) that can set any {@code Host} header (the
 * JDK's clients refuse to) and speak over a Unix socket (hostd's), keeping bodies as bytes so that
 * served content can be compared byte for byte. Only for loopback, the test's own bridge and hostd's
 * socket. Stateless and thread-safe; a response that is cut short is an {@link IOException}.
 */
public final class SiteHttp {
    /** A response: status, raw header block and body bytes (de-chunked). */
    public record Response(int status, String headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The first value of a response header (case-insensitive name), or null. */
        public String header(String name) {
            for (String line : headers.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        @Override
        public String toString() {
            String text = text();
            return status + " " + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
        }
    }

    private SiteHttp() {
    }

    /** GET {@code path} from {@code address:port} with {@code Host: hostHeader}. */
    public static Response get(String address, int port, String hostHeader, String path) throws IOException {
        return tcp(address, port, "GET", hostHeader, path, null, null);
    }

    public static Response tcp(String address, int port, String method, String hostHeader, String path, byte[] body,
                               String contentType) throws IOException {
        return tcp(address, port, method, hostHeader, path, body, contentType, Map.of());
    }

    /** GET {@code path} with {@code Host: hostHeader} and these other request headers (an {@code Authorization}, say). */
    public static Response get(String address, int port, String hostHeader, String path, Map<String, String> headers)
            throws IOException {
        return tcp(address, port, "GET", hostHeader, path, null, null, headers);
    }

    private static Response tcp(String address, int port, String method, String hostHeader, String path, byte[] body,
                                String contentType, Map<String, String> headers) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 3000);
            socket.setSoTimeout(15_000);
            return exchange(socket.getInputStream(), socket.getOutputStream(), method, hostHeader, path, body, contentType, headers);
        }
    }

    /**
     * GET over TLS from {@code address:port} for {@code hostName}: it is the SNI, the {@code Host}
     * header and the name the server's certificate must carry (checked, against {@code trust}).
     */
    public static Response https(String address, int port, String hostName, String path, javax.net.ssl.SSLContext trust)
            throws IOException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(address, port), 3000);
            plain.setSoTimeout(15_000);
            try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) trust.getSocketFactory()
                    .createSocket(plain, hostName, port, true)) {
                javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                parameters.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName(hostName)));
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                return exchange(socket.getInputStream(), socket.getOutputStream(), "GET", hostName, path, null, null, Map.of());
            }
        }
    }

    public static Response unix(Path socketPath, String method, String path, byte[] body, String contentType) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socketPath));
            return exchange(Channels.newInputStream(channel), Channels.newOutputStream(channel), method, "hostd", path, body,
                    contentType, Map.of());
        }
    }

    private static Response exchange(InputStream in, OutputStream out, String method, String host, String path, byte[] body,
                                     String contentType, Map<String, String> headers) throws IOException {
        StringBuilder request = new StringBuilder();
        request.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        request.append("Host: ").append(host).append("\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        request.append("Connection: close\r\n");
        if (body != null) {
            request.append("Content-Type: ").append(contentType).append("\r\n");
            request.append("Content-Length: ").append(body.length).append("\r\n");
        }
        request.append("\r\n");
        out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
            out.write(body);
        }
        out.flush();
        byte[] raw = in.readAllBytes();
        int split = indexOf(raw, new byte[] {'\r', '\n', '\r', '\n'}, 0);
        if (split < 0) {
            throw new IOException("no complete HTTP response (" + raw.length + " bytes)");
        }
        String head = new String(raw, 0, split, StandardCharsets.ISO_8859_1);
        byte[] payload = Arrays.copyOfRange(raw, split + 4, raw.length);
        if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
            payload = dechunk(payload);
        }
        return new Response(Integer.parseInt(head.substring(9, 12)), head, payload);
    }

    private static byte[] dechunk(byte[] chunked) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int position = 0;
        while (position < chunked.length) {
            int lineEnd = indexOf(chunked, new byte[] {'\r', '\n'}, position);
            if (lineEnd < 0) {
                throw new IOException("truncated chunked body");
            }
            String sizeLine = new String(chunked, position, lineEnd - position, StandardCharsets.US_ASCII);
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                return out.toByteArray();
            }
            if (lineEnd + 2 + size > chunked.length) {
                throw new IOException("truncated chunk");
            }
            out.write(chunked, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
        throw new IOException("chunked body without its last chunk");
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
