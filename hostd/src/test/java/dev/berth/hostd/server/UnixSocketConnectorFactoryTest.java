package dev.berth.hostd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import dev.berth.testkit.SiteHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real connector in this JVM: file modes, and the SO_PEERCRED check of every connection. */
class UnixSocketConnectorFactoryTest {
    @TempDir
    Path temp;

    private Server serve(UnixSocketConnectorFactory factory) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        Server server = new Server(threads);
        server.addConnector(factory.build(server, new MetricRegistry(), "hostd", threads));
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.write(true, java.nio.ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        server.start();
        return server;
    }

    private UnixSocketConnectorFactory factory(List<String> users, List<String> groups) {
        UnixSocketConnectorFactory factory = new UnixSocketConnectorFactory();
        factory.path = temp.resolve("api/hostd.sock").toString();
        factory.allowedUsers = users;
        factory.allowedGroups = groups;
        return factory;
    }

    private static String me() {
        return System.getProperty("user.name");
    }

    @Test
    void everyKeyOfTheConfigurationReachesItsField() throws Exception {
        // Read as Dropwizard reads hostd.yml: a private helper named like a setter once took the
        // "group" key, so the socket's group was silently never applied.
        var mapper = io.dropwizard.jackson.Jackson.newObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        UnixSocketConnectorFactory read = mapper.readValue("""
                type: unix-socket
                path: /run/berth/hostd.sock
                group: berth
                allowedUsers: [root, berth]
                allowedGroups: [berth]
                """, UnixSocketConnectorFactory.class);
        assertThat(read.path).isEqualTo("/run/berth/hostd.sock");
        assertThat(read.group).isEqualTo("berth");
        assertThat(read.allowedUsers).containsExactly("root", "berth");
        assertThat(read.allowedGroups).containsExactly("berth");
    }

    @Test
    void anAllowedUserIsServedInADirectoryOfItsOwnThatOnlyTheGroupCanEnter() throws Exception {
        Server server = serve(factory(List.of(me()), List.of()));
        try {
            Path socket = temp.resolve("api/hostd.sock");
            assertThat(SiteHttp.unix(socket, "GET", "/", null, null).text()).isEqualTo("hello");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                    .isEqualTo("rwxr-x---");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
        } finally {
            server.stop();
        }
    }

    @Test
    void aProcessOfAnotherUserAndGroupIsCutOffBeforeItsRequestIsRead() throws Exception {
        // This JVM is the "other" process: only uid 65534 and gid 65534 would be admitted.
        Server server = serve(factory(List.of("65534"), List.of("65534")));
        try {
            Path socket = temp.resolve("api/hostd.sock");
            assertThatThrownBy(() -> SiteHttp.unix(socket, "GET", "/", null, null)).isInstanceOf(java.io.IOException.class);
        } finally {
            server.stop();
        }
    }

    @Test
    void aProcessInAnAllowedGroupIsServed() throws Exception {
        String group = Files.getAttribute(temp, "posix:group").toString();
        Server server = serve(factory(List.of("65534"), List.of(group)));
        try {
            assertThat(SiteHttp.unix(temp.resolve("api/hostd.sock"), "GET", "/", null, null).status()).isEqualTo(200);
        } finally {
            server.stop();
        }
    }

    @Test
    void noRequestIsAnsweredBeforeTheWholeServerHasStarted() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        Server server = new Server(threads);
        server.addConnector(factory(List.of(me()), List.of()).build(server, new MetricRegistry(), "hostd", threads));
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.write(true, java.nio.ByteBuffer.wrap("ready".getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        // As under Dropwizard (its SetUIDListener): the connectors start before the rest of the server.
        server.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
            @Override
            public void lifeCycleStarting(org.eclipse.jetty.util.component.LifeCycle event) {
                for (org.eclipse.jetty.server.Connector connector : server.getConnectors()) {
                    try {
                        ((org.eclipse.jetty.util.component.LifeCycle) connector).start();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        });
        // What hostd's start (the recovery of every site) is to Jetty: a bean that takes its time.
        java.util.concurrent.CountDownLatch recovered = new java.util.concurrent.CountDownLatch(1);
        server.addBean(new org.eclipse.jetty.util.component.AbstractLifeCycle() {
            @Override
            protected void doStart() throws Exception {
                recovered.await();
            }
        });
        Thread starting = new Thread(() -> {
            try {
                server.start();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        starting.start();
        try {
            Path socket = temp.resolve("api/hostd.sock");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!Files.exists(socket)) {
                assertThat(System.nanoTime()).as("the socket appears").isLessThan(deadline);
                Thread.sleep(10);
            }
            java.util.concurrent.CompletableFuture<SiteHttp.Response> early = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return SiteHttp.unix(socket, "GET", "/", null, null);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(500);
            assertThat(early).as("answered while the server was still starting").isNotDone();
            recovered.countDown();
            SiteHttp.Response answer = early.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.text()).isEqualTo("ready");
        } finally {
            recovered.countDown();
            starting.join(10_000);
            server.stop();
        }
    }

    @Test
    void aSocketThatAdmitsNobodyOrAnUnknownUserStopsTheStart() {
        assertThatThrownBy(() -> PeerCheck.of(List.of(""), List.of())).hasMessageContaining("admits nobody");
        assertThatThrownBy(() -> PeerCheck.of(List.of("no-such-user-berth"), List.of()))
                .hasMessageContaining("allowed user 'no-such-user-berth' does not exist");
    }
}
