package dev.berth.api.certificates;

import dev.berth.api.hosts.HostCertificates;
import dev.berth.api.hosts.HostException;
import dev.berth.api.platform.LoopService;
import dev.berth.hostprotocol.AcmeChallenge;
import dev.berth.hostprotocol.CertificateBundle;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.PendingOrder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every node's certificates from one stored copy each ({@link CertificateStore}): each pass
 * asks every node which certificates it wants (the platform wildcard, the custom domains of the
 * sites it holds), has one node obtain a missing or due one ({@link CertificatePlan}) and
 * installs the stored one on every node that serves another serial. An order's HTTP-01 answers
 * are served by every node with HTTPS before the CA is asked to validate, so a custom domain is
 * proven whichever node its DNS points at; they are dropped once the order ends. A failed order
 * backs off exponentially (shared through the table). A custom domain's certificate no node wants
 * any more is revoked and forgotten. Runs on the leading replica's thread.
 */
public final class CertificateKeeper extends LoopService {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateKeeper.class);

    /** A node as the keeper reaches it. */
    public record CertificateNode(UUID id, String name, Instant joinedAt, boolean ready, HostCertificates host) {
    }

    private final CertificateStore store;
    private final Supplier<List<CertificateNode>> nodes;
    private final Clock clock;
    private final Duration firstRetry;
    private final Duration maxRetry;

    public CertificateKeeper(CertificateStore store, Supplier<List<CertificateNode>> nodes, Clock clock, Duration interval,
                             Duration firstRetry, Duration maxRetry) {
        super("certificate-keeper", interval);
        this.store = store;
        this.nodes = nodes;
        this.clock = clock;
        this.firstRetry = firstRetry;
        this.maxRetry = maxRetry;
    }

    @Override
    protected void pass() {
        runOnce();
    }

    /** One pass; nodes that do not answer are left out of it. Visible for tests. */
    public synchronized void runOnce() {
        Map<UUID, CertificateNode> byId = new HashMap<>();
        List<CertificatePlan.NodeView> views = new ArrayList<>();
        List<CertificateNode> all = nodes.get();
        for (CertificateNode node : all) {
            try {
                List<CertificateState> wanted = node.host().certificates();
                byId.put(node.id(), node);
                views.add(new CertificatePlan.NodeView(node.id(), node.name(), node.joinedAt(), node.ready(), wanted));
            } catch (HostException unreachable) {
                LOG.debug("Node {} left out of the certificate pass: {}", node.name(), unreachable.getMessage());
            }
        }
        Instant now = clock.instant();
        for (CertificatePlan.Step step : CertificatePlan.plan(store.all(), views, views.size() == all.size(), now)) {
            if (step instanceof CertificatePlan.Revoke revoke) {
                revoke(revoke.name(), byId.get(revoke.through().nodeId()));
            } else if (step instanceof CertificatePlan.Install install) {
                install(install.name(), byId.get(install.node().nodeId()));
            } else if (step instanceof CertificatePlan.Issue issue) {
                if (issue(issue, byId)) {
                    String serial = store.find(issue.name()).orElseThrow().serialNumber();
                    // Straight to every node that wants it, rather than at the next pass.
                    for (CertificatePlan.NodeView view : views) {
                        view.wanted().stream().filter(state -> state.name().equals(issue.name()) && !serial.equals(state.serialNumber())
                                        && state.domains().equals(issue.domains()))
                                .findFirst().ifPresent(state -> install(issue.name(), byId.get(view.nodeId())));
                    }
                }
            }
        }
    }

    /** A failed revocation is logged and the certificate forgotten anyway: it expires by itself and nothing serves it. */
    private void revoke(String name, CertificateNode through) {
        try {
            through.host().revoke(store.bundle(name));
            LOG.info("Certificate {} revoked through node {}: no site holds its name any more", name, through.name());
        } catch (HostException | RuntimeException failure) {
            LOG.warn("Certificate {} forgotten, but its revocation failed: {}", name, failure.getMessage());
        }
        store.delete(name);
    }

    private void install(String name, CertificateNode node) {
        try {
            CertificateBundle bundle = store.bundle(name);
            node.host().install(name, bundle);
            LOG.info("Certificate {} installed on node {}", name, node.name());
        } catch (HostException | RuntimeException failure) {
            LOG.warn("Certificate {} not installed on node {}: {}", name, node.name(), failure.getMessage());
        }
    }

    /** Has the issuer obtain the certificate, with every helper serving its HTTP-01 answers meanwhile; true once stored. */
    private boolean issue(CertificatePlan.Issue issue, Map<UUID, CertificateNode> byId) {
        CertificateNode issuer = byId.get(issue.issuer().nodeId());
        Instant started = clock.instant();
        List<CertificateNode> served = new ArrayList<>();
        PendingOrder order = null;
        try {
            order = issuer.host().openOrder(issue.domains());
            for (CertificatePlan.NodeView helperView : issue.helpers()) {
                CertificateNode helper = byId.get(helperView.nodeId());
                try {
                    for (AcmeChallenge challenge : order.challenges()) {
                        helper.host().serveChallenge(challenge);
                    }
                    served.add(helper);
                } catch (HostException unreachable) {
                    // The CA may still reach a node that serves it; a failed validation backs off.
                    LOG.warn("Node {} cannot serve the HTTP-01 answers of {}: {}", helper.name(), issue.name(), unreachable.getMessage());
                }
            }
            CertificateBundle bundle = issuer.host().finishOrder(order.orderId());
            CertificateStore.Stored stored = store.saveIssued(issue.name(), issue.domains(), bundle, issuer.name(), clock.instant());
            LOG.info("Certificate {} for {} obtained by node {} and stored (serial {}, renew at {})", issue.name(), issue.domains(),
                    issuer.name(), stored.serialNumber(), stored.renewAt());
            return true;
        } catch (HostException | RuntimeException failure) {
            int failures = store.find(issue.name()).map(CertificateStore.Stored::failures).orElse(0) + 1;
            Instant next = clock.instant().plus(retryDelay(failures));
            LOG.warn("Certificate {} for {} not obtained by node {} (attempt {}), next attempt at {}: {}", issue.name(), issue.domains(),
                    issuer.name(), failures, next, failure.getMessage());
            store.recordFailure(issue.name(), issue.domains(), failure.getMessage(), next, started);
            return false;
        } finally {
            if (order != null) {
                for (CertificateNode helper : served) {
                    for (AcmeChallenge challenge : order.challenges()) {
                        try {
                            helper.host().dropChallenge(challenge.token());
                        } catch (HostException unreachable) {
                            LOG.debug("Node {} keeps an ended HTTP-01 answer: {}", helper.name(), unreachable.getMessage());
                        }
                    }
                }
            }
        }
    }

    private Duration retryDelay(int failures) {
        Duration delay = firstRetry;
        for (int i = 1; i < failures && delay.compareTo(maxRetry) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maxRetry) > 0 ? maxRetry : delay;
    }
}
