package dev.berth.hostd.tls;

import dev.berth.hostd.site.HostOperationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The proxy as the certificates see it: which certificate it serves from which chain file, every
 * install and removal in order; fails while {@link #failure} is set. A removal records whether the
 * served files still existed, as a real proxy needs them until it has let go.
 */
final class FakeTlsInstaller implements TlsInstaller {
    final Map<String, Path> served = new ConcurrentHashMap<>();
    final Map<String, List<String>> servedDomains = new ConcurrentHashMap<>();
    final List<Path> installed = new CopyOnWriteArrayList<>();
    final List<String> removed = new CopyOnWriteArrayList<>();
    final List<String> removedAfterItsFilesWentAway = new CopyOnWriteArrayList<>();
    volatile HostOperationException failure;

    @Override
    public void install(String name, List<String> domains, Path chainFile, Path keyFile) throws HostOperationException {
        if (failure != null) {
            throw failure;
        }
        if (!chainFile.equals(served.get(name))) {
            installed.add(chainFile);
        }
        served.put(name, chainFile);
        servedDomains.put(name, List.copyOf(domains));
    }

    @Override
    public void remove(String name) throws HostOperationException {
        if (failure != null) {
            throw failure;
        }
        Path chain = served.remove(name);
        servedDomains.remove(name);
        if (chain != null) {
            removed.add(name);
            if (!Files.exists(chain)) {
                removedAfterItsFilesWentAway.add(name);
            }
        }
    }
}
