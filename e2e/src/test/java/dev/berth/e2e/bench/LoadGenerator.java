package dev.berth.e2e.bench;

import java.net.URI;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;

/**
 * An in-JVM HTTP/1.1 load generator on Apache HttpClient 5 async: one I/O thread (the API shares
 * the machine's cores), a pool of keep-alive connections, loopback targets only. Two kinds of phase:
 * open loop at a fixed rate, with each latency measured from the time the request was scheduled
 * (so a slow answer cannot hide the requests queued behind it: no coordinated omission), and closed
 * loop with a fixed number of requests in flight, for saturation throughput. A response counts as
 * an error unless its status is 200. Not thread-safe: run one phase at a time.
 */
final class LoadGenerator implements AutoCloseable {
    /** Longest wait for stragglers after a phase. */
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Closed-loop latencies kept per phase (a sample beyond this is counted but not kept). */
    private static final int MAX_SAMPLES = 4_000_000;

    private final CloseableHttpAsyncClient client;

    /**
     * One GET to send, with its headers: to loopback, or to a site's address that {@code bridgeAddress}
     * has checked is on the run's own bridge.
     */
    record Target(String label, URI uri, Map<String, String> headers, BridgeAddress bridgeAddress) {
        Target {
            String host = uri.getHost();
            boolean loopback = "127.0.0.1".equals(host) || "::1".equals(host) || "[::1]".equals(host);
            boolean checked = bridgeAddress != null && bridgeAddress.ipv4().equals(host);
            if (!loopback && !checked) {
                throw new IllegalArgumentException("the benchmark sends traffic to loopback or to its own bridge only, not to " + host);
            }
        }

        Target(String label, URI uri, Map<String, String> headers) {
            this(label, uri, headers, null);
        }
    }

    /** The outcome of one phase. Latencies in nanoseconds, sorted ascending. */
    record Result(String label, long sent, long completed, long errors, Map<Integer, Long> statuses, long[] sortedLatencyNanos,
                  long elapsedNanos) {
        double percentileMillis(double percentile) {
            if (sortedLatencyNanos.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(percentile / 100.0 * sortedLatencyNanos.length);
            return sortedLatencyNanos[Math.max(0, Math.min(sortedLatencyNanos.length - 1, rank - 1))] / 1e6;
        }

        double maxMillis() {
            return sortedLatencyNanos.length == 0 ? Double.NaN : sortedLatencyNanos[sortedLatencyNanos.length - 1] / 1e6;
        }

        double meanMillis() {
            return Arrays.stream(sortedLatencyNanos).average().orElse(Double.NaN) / 1e6;
        }

        /** Successful answers per second over the phase. */
        double throughputPerSecond() {
            return (completed - errors) / (elapsedNanos / 1e9);
        }
    }

    LoadGenerator(int maxConnections) {
        client = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(maxConnections)
                        .setMaxConnPerRoute(maxConnections)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.ofSeconds(5))
                                .setSocketTimeout(Timeout.ofSeconds(30))
                                .build())
                        .build())
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(1).setTcpNoDelay(true).build())
                .disableCookieManagement()
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableContentCompression()
                .build();
        client.start();
    }

    /**
     * Sends {@code ratePerSecond * seconds} requests at fixed intervals whatever the answers do, then
     * waits for the last answers (at most 30 s; a missing answer is an error).
     */
    Result openLoop(Target target, int ratePerSecond, int seconds) throws InterruptedException {
        return openLoop(target.label(), java.util.List.of(target), ratePerSecond, seconds);
    }

    /** {@link #openLoop(Target, int, int)} over several targets in turn (request i goes to target i mod n). */
    Result openLoop(String label, java.util.List<Target> targets, int ratePerSecond, int seconds) throws InterruptedException {
        int total = ratePerSecond * seconds;
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
        long[] latencies = new long[total];
        Arrays.fill(latencies, -1);
        Counters counters = new Counters();
        CountDownLatch answered = new CountDownLatch(total);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
        for (int index = 0; index < total; index++) {
            long intended = start + index * periodNanos;
            for (long wait = intended - System.nanoTime(); wait > 0; wait = intended - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            int slot = index;
            client.execute(request(targets.get(index % targets.size())), new FutureCallback<>() {
                @Override
                public void completed(SimpleHttpResponse response) {
                    latencies[slot] = System.nanoTime() - intended;
                    counters.answer(response.getCode());
                    answered.countDown();
                }

                @Override
                public void failed(Exception failure) {
                    counters.failure(failure);
                    answered.countDown();
                }

                @Override
                public void cancelled() {
                    counters.failure(null);
                    answered.countDown();
                }
            });
        }
        boolean drained = answered.await(DRAIN_NANOS, TimeUnit.NANOSECONDS);
        long elapsed = System.nanoTime() - start;
        long[] kept = Arrays.stream(latencies).filter(latency -> latency >= 0).sorted().toArray();
        long missing = drained ? 0 : answered.getCount();
        return new Result(label, total, counters.completed.get() + counters.failed.get(),
                counters.errors() + missing, counters.statuses(missing), kept, elapsed);
    }

    /**
     * Keeps {@code concurrency} requests in flight for {@code seconds}: each answer sends the next
     * request on the same slot, until the deadline. Throughput counts answers within the window.
     */
    Result closedLoop(Target target, int concurrency, int seconds) throws InterruptedException {
        long durationNanos = TimeUnit.SECONDS.toNanos(seconds);
        long[] latencies = new long[MAX_SAMPLES];
        AtomicInteger samples = new AtomicInteger();
        AtomicLong sent = new AtomicLong();
        Counters counters = new Counters();
        CountDownLatch slotsDone = new CountDownLatch(concurrency);
        long start = System.nanoTime();
        long deadline = start + durationNanos;
        for (int slot = 0; slot < concurrency; slot++) {
            new Object() {
                void next() {
                    long sentAt = System.nanoTime();
                    if (sentAt - deadline >= 0) {
                        slotsDone.countDown();
                        return;
                    }
                    sent.incrementAndGet();
                    client.execute(request(target), new FutureCallback<>() {
                        @Override
                        public void completed(SimpleHttpResponse response) {
                            long now = System.nanoTime();
                            if (now - deadline < 0) {
                                int sample = samples.getAndIncrement();
                                if (sample < MAX_SAMPLES) {
                                    latencies[sample] = now - sentAt;
                                }
                                counters.answer(response.getCode());
                            }
                            next();
                        }

                        @Override
                        public void failed(Exception failure) {
                            counters.failure(failure);
                            next();
                        }

                        @Override
                        public void cancelled() {
                            counters.failure(null);
                            next();
                        }
                    });
                }
            }.next();
        }
        boolean drained = slotsDone.await(durationNanos + DRAIN_NANOS, TimeUnit.NANOSECONDS);
        long missing = drained ? 0 : slotsDone.getCount();
        long[] kept = Arrays.copyOf(latencies, Math.min(samples.get(), MAX_SAMPLES));
        Arrays.sort(kept);
        return new Result(target.label(), sent.get(), counters.completed.get() + counters.failed.get(),
                counters.errors() + missing, counters.statuses(missing), kept, durationNanos);
    }

    private static SimpleHttpRequest request(Target target) {
        SimpleRequestBuilder builder = SimpleRequestBuilder.get(target.uri()).addHeader("Accept", "application/json");
        target.headers().forEach(builder::addHeader);
        return builder.build();
    }

    @Override
    public void close() {
        client.close(CloseMode.GRACEFUL);
    }

    /** Answers by status, and transport failures; updated from the I/O thread, read after a phase. */
    private static final class Counters {
        final AtomicLong completed = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong non200 = new AtomicLong();
        final Map<Integer, AtomicLong> byStatus = new ConcurrentHashMap<>();
        volatile String firstFailure;

        void answer(int status) {
            completed.incrementAndGet();
            if (status != 200) {
                non200.incrementAndGet();
            }
            byStatus.computeIfAbsent(status, key -> new AtomicLong()).incrementAndGet();
        }

        void failure(Exception failure) {
            failed.incrementAndGet();
            if (firstFailure == null) {
                firstFailure = failure == null ? "cancelled" : failure.toString();
                System.err.println("First transport failure: " + firstFailure);
            }
        }

        long errors() {
            return non200.get() + failed.get();
        }

        /** Status counts; 0 stands for transport failures and requests that never got an answer. */
        Map<Integer, Long> statuses(long missing) {
            Map<Integer, Long> counts = new TreeMap<>();
            byStatus.forEach((status, count) -> counts.put(status, count.get()));
            if (failed.get() + missing > 0) {
                counts.put(0, failed.get() + missing);
            }
            return counts;
        }
    }
}
