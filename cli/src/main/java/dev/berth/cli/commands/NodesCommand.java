package dev.berth.cli.commands;

import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.cli.output.Printer;
import dev.berth.sdk.ApiException;
import dev.berth.sdk.api.AdminNodesApi;
import dev.berth.sdk.model.Node;
import dev.berth.sdk.model.NodeJoinToken;
import dev.berth.sdk.model.NodeJoinTokenRequest;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berth admin nodes [list]|join-token|cordon|uncordon|drain|remove}: the hostd nodes of the
 * platform (platform admins only).
 */
@Command(name = "nodes", description = "The hostd nodes of the platform: list, join tokens, cordon, drain, remove.",
        subcommands = {NodesCommand.ListNodes.class, NodesCommand.JoinToken.class, NodesCommand.Cordon.class,
            NodesCommand.Uncordon.class, NodesCommand.Drain.class, NodesCommand.Remove.class})
public final class NodesCommand extends GroupCommand {

    static void print(Printer printer, List<Node> nodes) {
        printer.table(List.of("NODE", "STATE", "SITES", "CAPACITY", "URL", "LAST SEEN", "ERROR"), nodes.stream()
                .map(node -> List.of(node.getName(), node.getState().getValue(), Integer.toString(node.getSites()),
                        Integer.toString(node.getCapacitySites()), node.getUrl(),
                        node.getLastSeenAt() == null ? "never" : node.getLastSeenAt().toString(),
                        node.getLastError() == null ? "" : node.getLastError()))
                .toList());
    }

    @Command(name = "list", description = "Every node with its state, site count, capacity and last heartbeat.")
    static final class ListNodes extends ApiCommand {
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            List<Node> nodes = new AdminNodesApi(session.client()).adminListNodes().getItems();
            return AdminCommand.show(printer(session), output, nodes, NodesCommand::print);
        }
    }

    @Command(name = "join-token", description = "A one-time token with which a new node joins (POST /nodes/join); shown once.")
    static final class JoinToken extends ApiCommand {
        @Option(names = "--valid-minutes", paramLabel = "N", defaultValue = "60", description = "valid for N minutes (${DEFAULT-VALUE})")
        int validMinutes;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            NodeJoinToken token = new AdminNodesApi(session.client())
                    .adminCreateNodeJoinToken(new NodeJoinTokenRequest().validMinutes(validMinutes));
            return AdminCommand.show(printer(session), output, token, (printer, value) -> printer.table(List.of("TOKEN", "EXPIRES"),
                    List.of(List.of(value.getToken(), value.getExpiresAt().toString()))));
        }
    }

    /** A change of one node's state, printed as the node is afterwards. */
    abstract static class NodeChange extends ApiCommand {
        @Parameters(paramLabel = "NODE", description = "the node's name")
        String node;
        @Mixin
        OutputOption output;

        abstract Node change(AdminNodesApi nodes) throws ApiException;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            return AdminCommand.show(printer(session), output, change(new AdminNodesApi(session.client())),
                    (printer, value) -> print(printer, List.of(value)));
        }
    }

    @Command(name = "cordon", description = "Place no new site on the node; its sites keep serving.")
    static final class Cordon extends NodeChange {
        @Override
        Node change(AdminNodesApi nodes) throws ApiException {
            return nodes.adminCordonNode(node);
        }
    }

    @Command(name = "uncordon", description = "Let placement choose the node again (also stops a drain).")
    static final class Uncordon extends NodeChange {
        @Override
        Node change(AdminNodesApi nodes) throws ApiException {
            return nodes.adminUncordonNode(node);
        }
    }

    @Command(name = "drain", description = "Move the node's sites to other nodes one by one, each serving before it leaves.")
    static final class Drain extends NodeChange {
        @Override
        Node change(AdminNodesApi nodes) throws ApiException {
            return nodes.adminDrainNode(node);
        }
    }

    @Command(name = "remove", description = "Take an empty node out of the platform.")
    static final class Remove extends ApiCommand {
        @Parameters(paramLabel = "NODE", description = "the node's name")
        String node;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            new AdminNodesApi(session.client()).adminRemoveNode(node);
            printer(session).line("removed node " + node);
            return ExitCodes.OK;
        }
    }
}
