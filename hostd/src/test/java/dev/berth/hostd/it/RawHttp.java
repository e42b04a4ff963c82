package dev.berth.hostd.it;

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

/**
 * A minimal HTTP/1.1 client (Connection: close) for tests: it can set any Host header (the JDK
 * clients refuse to) and speak over a Unix socket. Only for loopback, the test's own bridge and
 * hostd's socket.
 */
final class RawHttp {
    record Response(int status, String headers, String body) {
    }

    private RawHttp() {
    }

    static Response tcp(String address, int port, String method, String hostHeader, String path, byte[] body, String contentType)
            throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 3000);
            socket.setSoTimeout(15000);
            return exchange(socket.getInputStream(), socket.getOutputStream(), method, hostHeader, path, body, contentType);
        }
    }

    static Response unix(Path socketPath, String method, String path, byte[] body, String contentType) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socketPath));
            return exchange(Channels.newInputStream(channel), Channels.newOutputStream(channel), method, "hostd", path, body, contentType);
        }
    }

    private static Response exchange(InputStream in, OutputStream out, String method, String host, String path, byte[] body,
                                     String contentType) throws IOException {
        StringBuilder request = new StringBuilder();
        request.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        request.append("Host: ").append(host).append("\r\n");
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
        String text = new String(raw, StandardCharsets.UTF_8);
        int split = text.indexOf("\r\n\r\n");
        if (split < 0) {
            throw new IOException("no complete HTTP response: " + text);
        }
        String head = text.substring(0, split);
        String payload = text.substring(split + 4);
        if (head.toLowerCase().contains("transfer-encoding: chunked")) {
            payload = dechunk(payload);
        }
        int status = Integer.parseInt(head.substring(9, 12));
        return new Response(status, head, payload);
    }

    private static String dechunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int position = 0;
        while (position < chunked.length()) {
            int lineEnd = chunked.indexOf("\r\n", position);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(chunked.substring(position, lineEnd).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            // sizes are in bytes; test bodies are ASCII JSON, so chars equal bytes
            out.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            position = lineEnd + 2 + size + 2;
        }
        return out.toString();
    }

}
