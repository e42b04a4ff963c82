package dev.berth.api.certificates;

import dev.berth.hostprotocol.CertificateState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the certificate keeper does in one pass, decided from what is stored and what each node
 * wants, without side effects. A certificate some node wants is obtained by one node only when
 * none is stored for its names, the stored one is due for renewal, and no backoff holds it; the
 * stored one goes to every node that wants it and serves another serial (a renewal in progress
 * does not keep the current one from a node that lacks it). A custom domain's certificate that no
 * node wants while every node answers is revoked and forgotten, as its name left every site.
 */
final class CertificatePlan {
    private CertificatePlan() {
    }

    /** A node that answered: what it wants and serves. */
    record NodeView(UUID nodeId, String nodeName, Instant joinedAt, boolean ready, List<CertificateState> wanted) {
        NodeView {
            wanted = List.copyOf(wanted);
        }

        boolean httpsOn() {
            return !wanted.isEmpty();
        }
    }

    sealed interface Step permits Issue, Install, Revoke {
        String name();
    }

    /**
     * Obtain {@code name} on {@code issuer}; {@code helpers} serve its HTTP-01 answers meanwhile.
     * The issuer is the oldest ready node among those that want it.
     */
    record Issue(String name, List<String> domains, NodeView issuer, List<NodeView> helpers) implements Step {
    }

    /** Install the stored {@code name} on {@code node}. */
    record Install(String name, NodeView node) implements Step {
    }

    /**
     * Revoke the stored custom-domain certificate {@code name} (through {@code through}) and forget
     * it: no node wants it any more, and every node answered, so no site anywhere holds its name.
     */
    record Revoke(String name, NodeView through) implements Step {
    }

    /** @param everyNodeAnswered false when a node could not be asked: nothing is revoked then */
    static List<Step> plan(Map<String, CertificateStore.Stored> stored, List<NodeView> nodes, boolean everyNodeAnswered,
                           Instant now) {
        Map<String, List<NodeView>> wantedBy = new LinkedHashMap<>();
        for (NodeView node : nodes) {
            for (CertificateState state : node.wanted()) {
                wantedBy.computeIfAbsent(state.name(), name -> new ArrayList<>()).add(node);
            }
        }
        List<Step> steps = new ArrayList<>();
        wantedBy.forEach((name, wanting) -> {
            NodeView issuer = wanting.stream().min(Comparator.comparing((NodeView node) -> !node.ready())
                    .thenComparing(NodeView::joinedAt).thenComparing(NodeView::nodeName)).orElseThrow();
            List<String> domains = stateOf(issuer, name).domains();
            CertificateStore.Stored current = stored.get(name);
            boolean serves = current != null && current.serves(domains, now);
            boolean due = !serves || (current.renewAt() != null && !now.isBefore(current.renewAt()));
            boolean backingOff = current != null && current.nextAttempt() != null && now.isBefore(current.nextAttempt());
            if (serves) {
                for (NodeView node : wanting) {
                    CertificateState state = stateOf(node, name);
                    if (state.domains().equals(domains) && !current.serialNumber().equals(state.serialNumber())) {
                        steps.add(new Install(name, node));
                    }
                }
            }
            if (due && !backingOff) {
                List<NodeView> helpers = nodes.stream().filter(node -> node != issuer && node.httpsOn()).toList();
                steps.add(new Issue(name, domains, issuer, helpers));
            }
        });
        if (everyNodeAnswered) {
            nodes.stream().filter(NodeView::httpsOn).min(Comparator.comparing((NodeView node) -> !node.ready())
                    .thenComparing(NodeView::joinedAt).thenComparing(NodeView::nodeName)).ifPresent(through -> stored.values().stream()
                    .filter(certificate -> certificate.name().startsWith("custom.") && !wantedBy.containsKey(certificate.name()))
                    .forEach(certificate -> steps.add(new Revoke(certificate.name(), through))));
        }
        return steps;
    }

    private static CertificateState stateOf(NodeView node, String name) {
        return node.wanted().stream().filter(state -> state.name().equals(name)).findFirst().orElseThrow();
    }
}
