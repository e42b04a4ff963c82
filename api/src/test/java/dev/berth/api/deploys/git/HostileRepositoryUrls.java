package dev.berth.api.deploys.git;

import java.util.List;

/**
 * Repository URLs Berth must refuse before any connection, shared by the policy's unit test and
 * the API's hostile-input suite. {@code TRAP} stands for the port of a {@link TrapServer} on
 * loopback, which must see no connection. Host names resolve only through {@link #dns()}.
 */
public final class HostileRepositoryUrls {
    private HostileRepositoryUrls() {
    }

    /** The placeholder for a trap server's port in {@link #all()}. */
    public static final String TRAP = "TRAP";

    /** A fake DNS holding the answers the corpus relies on (public, private, metadata, mixed). */
    public static FakeResolver dns() {
        return new FakeResolver()
                .answer("github.com", "140.82.112.3")
                .answer("gitlab.example.com", "203.0.114.10", "2a00:1450:4001:80b::200e")
                .answer("internal.example", "10.0.0.5")
                .answer("metadata.example", "169.254.169.254")
                .answer("mixed.example", "140.82.112.4", "127.0.0.1")
                .answer("v6loop.example", "::1")
                .answer("ula.example", "fd12:3456::1")
                .answer("localhost", "127.0.0.1");
    }

    /** Every hostile URL, with {@link #TRAP} where a loopback port belongs. */
    public static List<String> all() {
        return List.of(
                "file:///etc/passwd",
                "file://localhost/srv/repos/site.git",
                "ext::sh -c touch% /tmp/pwned",
                "ext::sh%20-c%20id",
                "ssh://git@10.0.0.5/repo.git",
                "ssh://git@internal.example/repo.git",
                "git@internal.example:repo.git",
                "ssh://git@127.0.0.1:TRAP/repo.git",
                "ssh://git@localhost:TRAP/repo.git",
                "git@localhost:repo.git",
                "git@127.0.0.1:repo.git",
                "git@[::1]:repo.git",
                "git@[::ffff:127.0.0.1]:repo.git",
                "ssh://git@[fd00::1]/repo.git",
                "git@metadata.example:repo.git",
                "ssh://git@169.254.169.254/repo.git",
                "git@mixed.example:repo.git",
                "ssh://git:password@github.com/octo/site.git",
                "ssh://-oProxyCommand=touch%20x@github.com/octo/site.git",
                "ssh://git@-oProxyCommand=x/repo.git",
                "git@github.com:-oProxyCommand=x",
                "git@github.com:octo/-u.git",
                "git@github.com:../../etc/passwd",
                "git@github.com:octo/site.git?x=1",
                "git@github.com:octo/site git",
                "ssh://git@github.com/octo/site.git#main",
                "git+ssh://git@github.com/octo/site.git",
                "ssh://git@0x7f000001/repo.git",
                "git://github.com/octo/site.git",
                "http://github.com/octo/site.git",
                "http://127.0.0.1/repo.git",
                "https://127.0.0.1:TRAP/repo.git",
                "https://localhost:TRAP/repo.git",
                "https://localhost./repo.git",
                "https://10.1.2.3/repo.git",
                "https://172.16.0.1/repo.git",
                "https://192.168.1.1/repo.git",
                "https://169.254.169.254/latest/meta-data/",
                "https://metadata.example/repo.git",
                "https://100.64.0.1/repo.git",
                "https://0.0.0.0/repo.git",
                "https://224.0.0.1/repo.git",
                "https://[::1]/repo.git",
                "https://[::]/repo.git",
                "https://[::ffff:127.0.0.1]/repo.git",
                "https://[::ffff:169.254.169.254]/repo.git",
                "https://[::127.0.0.1]/repo.git",
                "https://[fd00::1]/repo.git",
                "https://[fe80::1]/repo.git",
                "https://[ff02::1]/repo.git",
                "https://[2002:7f00:1::1]/repo.git",
                "https://[64:ff9b::7f00:1]/repo.git",
                "https://2130706433/repo.git",
                "https://0177.0.0.1/repo.git",
                "https://0x7f.0.0.1/repo.git",
                "https://0x7f000001/repo.git",
                "https://127.1/repo.git",
                "https://internal.example/repo.git",
                "https://mixed.example/repo.git",
                "https://v6loop.example/repo.git",
                "https://ula.example/repo.git",
                "https://user:token@github.com/octo/site.git",
                "https://token@github.com/octo/site.git",
                "https://github.com/octo/site.git#main",
                "https://github.com/octo/site.git?ref=main",
                "https://nonexistent.example/repo.git",
                "",
                "github.com/octo/site.git");
    }
}
