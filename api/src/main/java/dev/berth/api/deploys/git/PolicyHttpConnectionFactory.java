package dev.berth.api.deploys.git;

import dev.berth.api.outbound.RepositoryUrlRefusedException;
import dev.berth.api.outbound.RepositoryUrlPolicy;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URL;
import java.security.KeyManagementException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.HttpConnectionFactory;

/**
 * The JGit {@link HttpConnectionFactory} for tenant repositories: every connection JGit opens (the
 * first one and each redirect, which JGit follows itself by opening a new connection) is checked
 * against the {@link RepositoryUrlPolicy} before it exists; for HTTPS the socket also checks the
 * exact address it is about to dial, so a DNS answer that changes between check and connect
 * (rebinding) is still refused. Proxies are never used: a proxy would resolve names where the
 * policy cannot see them. Responses count against one byte budget and one deadline per factory.
 *
 * <p>One factory per fetch: its budget is shared by all of that fetch's connections.
 */
public final class PolicyHttpConnectionFactory implements HttpConnectionFactory {
    private final RepositoryUrlPolicy policy;
    private final long maxResponseBytes;
    private final Instant deadline;
    private final Clock clock;
    private final SSLSocketFactory tls;
    private final AtomicLong responseBytes = new AtomicLong();
    private volatile boolean budgetExceeded;
    private volatile boolean deadlinePassed;
    private volatile String onlyOrigin;

    /**
     * @param tls the TLS socket factory (the JDK default in production; tests may trust their own CA)
     */
    public PolicyHttpConnectionFactory(RepositoryUrlPolicy policy, long maxResponseBytes, Instant deadline, Clock clock, SSLSocketFactory tls) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.maxResponseBytes = maxResponseBytes;
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.tls = Objects.requireNonNull(tls, "tls");
    }

    public PolicyHttpConnectionFactory(RepositoryUrlPolicy policy, long maxResponseBytes, Instant deadline, Clock clock) {
        this(policy, maxResponseBytes, deadline, clock, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    @Override
    public HttpConnection create(URL url) throws IOException {
        return create(url, Proxy.NO_PROXY);
    }

    /** Checks {@code url} against the policy and opens a connection without a proxy, whatever is asked. */
    @Override
    public HttpConnection create(URL url, Proxy ignoredProxy) throws IOException {
        checkDeadline();
        // JGit adds ?service=git-upload-pack to its first request; any other query is refused like the policy does.
        String query = url.getQuery();
        if (query != null && !query.equals("service=git-upload-pack")) {
            throw new RepositoryUrlRefusedException("the repository URL must not have a query");
        }
        String target = url.getProtocol() + "://" + url.getAuthority() + url.getPath() + (url.getRef() == null ? "" : "#" + url.getRef());
        RepositoryUrlPolicy.CheckedUrl checked = policy.check(target);
        String required = onlyOrigin;
        if (required != null && !required.equals(origin(checked.uri().getScheme(), checked.host(), checked.port()))) {
            throw new RepositoryUrlRefusedException("the repository redirected to " + checked.host() + ":" + checked.port()
                    + "; its access token is sent to its own host only");
        }
        HttpURLConnection connection = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
        connection.setInstanceFollowRedirects(false);
        if (connection instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(new CheckingSocketFactory(tls, policy, checked.host(), checked.port()));
        }
        return new Connection(connection);
    }

    /**
     * Limits every connection to the origin (scheme, host, port) of {@code repository}: a fetch
     * that carries an access token never follows a redirect to another host, which would receive
     * the token. Call before the fetch.
     */
    public void onlyTo(java.net.URI repository) {
        String scheme = repository.getScheme().toLowerCase(java.util.Locale.ROOT);
        int port = repository.getPort() >= 0 ? repository.getPort() : scheme.equals("https") ? 443 : 80;
        onlyOrigin = origin(scheme, repository.getHost().toLowerCase(java.util.Locale.ROOT), port);
    }

    private static String origin(String scheme, String host, int port) {
        return scheme.toLowerCase(java.util.Locale.ROOT) + "://" + host + ":" + port;
    }

    /** Whether a response went over the byte budget (the fetch then failed for that reason). */
    public boolean budgetExceeded() {
        return budgetExceeded;
    }

    /** Whether the deadline passed while fetching. */
    public boolean deadlinePassed() {
        return deadlinePassed;
    }

    public long responseBytes() {
        return responseBytes.get();
    }

    private void checkDeadline() throws IOException {
        if (clock.instant().isAfter(deadline)) {
            deadlinePassed = true;
            throw new InterruptedIOException("the fetch took longer than allowed");
        }
    }

    private final class Bounded extends FilterInputStream {
        Bounded(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            checkDeadline();
            int value = super.read();
            if (value >= 0) {
                count(1);
            }
            return value;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            checkDeadline();
            int read = super.read(buffer, offset, length);
            if (read > 0) {
                count(read);
            }
            return read;
        }

        private void count(long read) throws IOException {
            if (responseBytes.addAndGet(read) > maxResponseBytes) {
                budgetExceeded = true;
                throw new IOException("the repository sent more than " + maxResponseBytes + " bytes");
            }
        }
    }

    /** Checks the address at {@code connect}, then layers the default TLS over the checked socket. */
    private static final class CheckingSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory tls;
        private final RepositoryUrlPolicy policy;
        private final String host;
        private final int port;

        CheckingSocketFactory(SSLSocketFactory tls, RepositoryUrlPolicy policy, String host, int port) {
            this.tls = tls;
            this.policy = policy;
            this.host = host;
            this.port = port;
        }

        @Override
        public Socket createSocket() {
            return new CheckingSocket(policy, host, port);
        }

        @Override
        public Socket createSocket(Socket socket, String targetHost, int targetPort, boolean autoClose) throws IOException {
            if (!(socket instanceof CheckingSocket)) {
                throw new RepositoryUrlRefusedException("refusing a TLS connection over a socket whose address was not checked");
            }
            return tls.createSocket(socket, targetHost, targetPort, autoClose);
        }

        @Override
        public Socket createSocket(String targetHost, int targetPort) throws IOException {
            throw new RepositoryUrlRefusedException("refusing a connection that bypasses the address check");
        }

        @Override
        public Socket createSocket(String targetHost, int targetPort, InetAddress localHost, int localPort) throws IOException {
            throw new RepositoryUrlRefusedException("refusing a connection that bypasses the address check");
        }

        @Override
        public Socket createSocket(InetAddress address, int targetPort) throws IOException {
            throw new RepositoryUrlRefusedException("refusing a connection that bypasses the address check");
        }

        @Override
        public Socket createSocket(InetAddress address, int targetPort, InetAddress localAddress, int localPort) throws IOException {
            throw new RepositoryUrlRefusedException("refusing a connection that bypasses the address check");
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return tls.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return tls.getSupportedCipherSuites();
        }
    }

    /** A plain socket that refuses to connect to an address the policy does not allow. */
    static final class CheckingSocket extends Socket {
        private final RepositoryUrlPolicy policy;
        private final String host;
        private final int port;

        CheckingSocket(RepositoryUrlPolicy policy, String host, int port) {
            this.policy = policy;
            this.host = host;
            this.port = port;
        }

        @Override
        public void connect(SocketAddress endpoint, int timeoutMillis) throws IOException {
            if (!(endpoint instanceof InetSocketAddress inet) || inet.isUnresolved()) {
                throw new RepositoryUrlRefusedException("refusing to connect to an unresolved address");
            }
            policy.checkAddress(host, port, inet.getAddress());
            super.connect(endpoint, timeoutMillis);
        }

        @Override
        public void connect(SocketAddress endpoint) throws IOException {
            connect(endpoint, 0);
        }
    }

    /** JGit's view of one HttpURLConnection; redirects are never followed here, JGit does it. */
    private final class Connection implements HttpConnection {
        private final HttpURLConnection connection;

        Connection(HttpURLConnection connection) {
            this.connection = connection;
        }

        @Override
        public int getResponseCode() throws IOException {
            return connection.getResponseCode();
        }

        @Override
        public URL getURL() {
            return connection.getURL();
        }

        @Override
        public String getResponseMessage() throws IOException {
            return connection.getResponseMessage();
        }

        @Override
        public Map<String, List<String>> getHeaderFields() {
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            connection.getHeaderFields().forEach((name, values) -> {
                if (name != null) {
                    headers.put(name, values);
                }
            });
            return headers;
        }

        @Override
        public List<String> getHeaderFields(String name) {
            List<String> values = getHeaderFields().get(name);
            return values == null ? List.of() : values;
        }

        @Override
        public void setRequestProperty(String key, String value) {
            connection.setRequestProperty(key, value);
        }

        @Override
        public void setRequestMethod(String method) throws ProtocolException {
            connection.setRequestMethod(method);
        }

        @Override
        public void setUseCaches(boolean useCaches) {
            connection.setUseCaches(useCaches);
        }

        @Override
        public void setConnectTimeout(int timeoutMillis) {
            connection.setConnectTimeout(timeoutMillis);
        }

        @Override
        public void setReadTimeout(int timeoutMillis) {
            connection.setReadTimeout(timeoutMillis);
        }

        @Override
        public String getContentType() {
            return connection.getContentType();
        }

        @Override
        public InputStream getInputStream() throws IOException {
            return new Bounded(connection.getInputStream());
        }

        @Override
        public String getHeaderField(String name) {
            return connection.getHeaderField(name);
        }

        @Override
        public int getContentLength() {
            return connection.getContentLength();
        }

        @Override
        public void setInstanceFollowRedirects(boolean followRedirects) {
            connection.setInstanceFollowRedirects(false); // JGit follows them through create(), so each is checked
        }

        @Override
        public void setDoOutput(boolean doOutput) {
            connection.setDoOutput(doOutput);
        }

        @Override
        public void setFixedLengthStreamingMode(int contentLength) {
            connection.setFixedLengthStreamingMode(contentLength);
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            return connection.getOutputStream();
        }

        @Override
        public void setChunkedStreamingMode(int chunkLength) {
            connection.setChunkedStreamingMode(chunkLength);
        }

        @Override
        public String getRequestMethod() {
            return connection.getRequestMethod();
        }

        @Override
        public boolean usingProxy() {
            return false;
        }

        @Override
        public void connect() throws IOException {
            checkDeadline();
            connection.connect();
        }

        @Override
        public void configure(KeyManager[] keyManagers, TrustManager[] trustManagers, SecureRandom random)
                throws NoSuchAlgorithmException, KeyManagementException {
            // JGit calls this to relax TLS verification (http.sslVerify=false); tenants' fetches never do.
            throw new KeyManagementException("custom TLS trust is not allowed for tenant repositories");
        }

        @Override
        public void setHostnameVerifier(HostnameVerifier verifier) throws NoSuchAlgorithmException, KeyManagementException {
            throw new KeyManagementException("custom host name verification is not allowed for tenant repositories");
        }
    }
}
