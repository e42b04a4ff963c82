package dev.berth.hostd.tls;

import dev.berth.hostd.site.HostOperationException;
import java.nio.file.Path;
import java.util.List;

/** Makes the proxy serve a certificate, or stop serving it: each a validated reload, the previous state serving until it succeeds. */
public interface TlsInstaller {

    /**
     * Serves certificate {@code name} for {@code domains} from the given files and reloads; the same
     * values again change nothing. On failure the previous files stay in use.
     */
    void install(String name, List<String> domains, Path chainFile, Path keyFile) throws HostOperationException;

    /**
     * Stops serving certificate {@code name} and reloads; returns once the proxy no longer reads its
     * files, which may be deleted then. Succeeds if it is not served.
     */
    void remove(String name) throws HostOperationException;
}
