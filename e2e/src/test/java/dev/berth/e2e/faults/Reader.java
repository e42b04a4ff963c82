package dev.berth.e2e.faults;

import dev.berth.testkit.SiteHttp;
import dev.berth.testkit.Trust;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * The neighbour that must not notice any fault: requests one site over HTTPS through nginx in a
 * loop (about 40 a second) and keeps every answer that is not a 200 with the site's page. The
 * certificate must chain to one of the Pebble roots it was told to trust (Pebble makes a new root on
 * every start, so a renewal after a Pebble restart chains to the new one). Thread-safe.
 */
final class Reader {
    /** Answers since the last checkpoint: how many were right, and every one that was not. */
    record Tally(long ok, List<String> failures) {
    }

    private final StringBuilder roots = new StringBuilder();
    private volatile SSLContext context;
    private volatile boolean running;
    private Thread thread;
    private long ok;
    private final List<String> failures = new ArrayList<>();
    volatile String site;
    volatile String host;
    volatile int port;

    Reader(String rootPem) throws GeneralSecurityException {
        trust(rootPem);
    }

    /** Trusts one more root from now on (the old ones stay trusted). */
    synchronized void trust(String rootPem) throws GeneralSecurityException {
        roots.append(rootPem).append('\n');
        context = Trust.of(roots.toString());
    }

    SSLContext context() {
        return context;
    }

    /** Every root trusted so far, PEM (for a client outside the JVM, such as curl). */
    synchronized String rootsPem() {
        return roots.toString();
    }

    void start(String hostName, int httpsPort) {
        host = hostName;
        port = httpsPort;
        running = true;
        thread = new Thread(this::loop, "fault-suite-reader");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            String problem;
            try {
                SiteHttp.Response response = SiteHttp.https("127.0.0.1", port, host, "/", context);
                problem = response.status() == 200 && response.text().contains("Welcome to " + site) ? null : response.toString();
            } catch (Exception failure) {
                problem = failure.toString();
            }
            synchronized (this) {
                if (problem == null) {
                    ok++;
                } else {
                    failures.add(java.time.Instant.now() + " " + problem);
                }
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException interrupted) {
                return;
            }
        }
    }

    /** What the reader saw since the previous checkpoint. */
    synchronized Tally checkpoint() {
        Tally tally = new Tally(ok, List.copyOf(failures));
        ok = 0;
        failures.clear();
        return tally;
    }

    void stop() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(5000);
        }
    }
}
