package dev.berth.hostd.pki;

import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import net.sourceforge.argparse4j.inf.Subparsers;

/**
 * {@code hostd pki ca|node|client}: creates the platform CA and issues node and client certificates
 * ({@link Pki}). The store password comes from {@code BERTH_PKI_PASSWORD} (never from the command
 * line, where other users could read it).
 */
public final class PkiCommand extends Command {
    static final String PASSWORD_VARIABLE = "BERTH_PKI_PASSWORD";

    public PkiCommand() {
        super("pki", "create the platform CA (ca), a node's server certificate (node), a client certificate (client)");
    }

    @Override
    public void configure(Subparser subparser) {
        Subparsers actions = subparser.addSubparsers().dest("action");
        Subparser ca = actions.addParser("ca").help("create the platform CA in DIR (never replaces one)");
        directory(ca);
        ca.addArgument("--name").setDefault("Berth platform CA").help("the CA's common name");
        Subparser node = actions.addParser("node").help("issue DIR/node-NAME.p12, a node's server certificate");
        directory(node);
        node.addArgument("name").help("the node's name (a DNS name)");
        node.addArgument("--ip").nargs("*").setDefault(List.of()).help("IP addresses the API reaches the node at");
        node.addArgument("--dns").nargs("*").setDefault(List.of()).help("further DNS names of the node");
        Subparser client = actions.addParser("client").help("issue DIR/client-NAME.p12, a client certificate (the API's)");
        directory(client);
        client.addArgument("name").nargs("?").setDefault("api").help("the client's name");
    }

    private static void directory(Subparser parser) {
        parser.addArgument("--dir").setDefault("/etc/berth/pki").help("the directory of the CA and the certificates");
    }

    /** The reason, not a stack trace: an existing CA or a missing password is the operator's to fix. */
    @Override
    public void onError(Cli cli, Namespace namespace, Throwable error) {
        cli.getStdErr().println("hostd pki: " + (error.getMessage() == null ? error : error.getMessage()));
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
        String password = System.getenv(PASSWORD_VARIABLE);
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException(PASSWORD_VARIABLE + " must hold the password of the stores");
        }
        Pki pki = new Pki(Path.of(namespace.getString("dir")), password.toCharArray(), Clock.systemUTC());
        switch (namespace.getString("action")) {
            case "ca" -> System.out.println("platform CA " + pki.createCa(namespace.getString("name")).getSubjectX500Principal()
                    + " in " + namespace.getString("dir"));
            case "node" -> System.out.println("wrote " + pki.issueNode(namespace.getString("name"), namespace.getList("ip"),
                    namespace.getList("dns")));
            case "client" -> System.out.println("wrote " + pki.issueClient(namespace.getString("name")));
            default -> throw new IllegalArgumentException("unknown pki action " + namespace.getString("action"));
        }
    }
}
