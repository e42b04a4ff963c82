package dev.berth.hostd.tls;

import dev.berth.hostd.site.HostOperationException;
import java.nio.file.Path;

/** Makes the proxy serve a certificate: a validated reload, the previous one serving until it succeeds. */
public interface TlsInstaller {

    /** Points certificate {@code name} at the given files and reloads; on failure the previous files stay in use. */
    void install(String name, Path chainFile, Path keyFile) throws HostOperationException;
}
