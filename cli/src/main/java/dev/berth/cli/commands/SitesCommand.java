package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.cli.output.Printer;
import dev.berth.sdk.api.OperationsApi;
import dev.berth.sdk.api.SitesApi;
import dev.berth.sdk.model.CreateSiteRequest;
import dev.berth.sdk.model.Operation;
import dev.berth.sdk.model.Site;
import dev.berth.sdk.model.SiteList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth sites ls|create|start|stop|rm}. */
@Command(name = "sites", description = "List, create, start, stop and delete your sites.",
        subcommands = {SitesCommand.Ls.class, SitesCommand.Create.class, SitesCommand.Start.class, SitesCommand.Stop.class,
                SitesCommand.Rm.class})
public final class SitesCommand extends GroupCommand {

    /** Every site of the tenant, all pages. */
    static List<Site> all(SitesApi sites) throws dev.berth.sdk.ApiException {
        List<Site> all = new ArrayList<>();
        String cursor = null;
        do {
            SiteList page = sites.listSites(cursor, 200);
            all.addAll(page.getItems());
            cursor = page.getNextCursor();
        } while (cursor != null);
        return all;
    }

    static void print(Printer printer, List<Site> sites) {
        List<List<String>> rows = new ArrayList<>();
        for (Site site : sites) {
            rows.add(List.of(site.getName(), site.getObservedState().getValue(), site.getDesiredState().getValue(),
                    nonNull(site.getUrl()), nonNull(site.getIpv4()), nonNull(site.getIpv6()), nonNull(site.getLastError())));
        }
        printer.table(List.of("NAME", "STATE", "WANTED", "URL", "IPV4", "IPV6", "LAST ERROR"), rows);
    }

    static String nonNull(Object value) {
        return value == null ? "" : value.toString();
    }

    @Command(name = "ls", description = "List your sites with their state and addresses.")
    static final class Ls extends ApiCommand {
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            List<Site> sites = all(new SitesApi(session.client()));
            if (output.json()) {
                printer(session).json(sites);
            } else {
                print(printer(session), sites);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "create", description = "Create a site; it is served at NAME.<platform domain>.")
    static final class Create extends ApiCommand {
        @Parameters(paramLabel = "NAME", description = "a DNS label: a-z, 0-9 and hyphens")
        String name;
        @Option(names = "--wait", description = "wait until the site runs (at most --timeout)")
        boolean wait;
        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300", description = "how long --wait waits (default ${DEFAULT-VALUE})")
        long timeoutSeconds;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            SitesApi sites = new SitesApi(session.client());
            Site site = sites.createSite(new CreateSiteRequest().name(name), UUID.randomUUID().toString());
            if (wait) {
                site = Waits.running(io(), sites, site, Duration.ofSeconds(timeoutSeconds));
            }
            if (output.json()) {
                printer(session).json(site);
            } else {
                printer(session).line("created " + site.getName() + " at " + nonNull(site.getUrl()) + " ("
                        + site.getObservedState().getValue() + ")");
            }
            return ExitCodes.OK;
        }
    }

    /** start, stop and rm: a 202 with an operation, followed to its end unless --no-wait. */
    abstract static class SiteOperation extends ApiCommand {
        @Parameters(paramLabel = "NAME", description = "the site")
        String name;
        @Mixin
        WaitOption waiting;
        @Mixin
        OutputOption output;

        abstract Operation begin(SitesApi sites) throws Exception;

        abstract String done();

        @Override
        public Integer call() throws Exception {
            Session session = session();
            Operation operation = begin(new SitesApi(session.client()));
            if (!waiting.noWait) {
                operation = Waits.operation(io(), new OperationsApi(session.client()), operation, waiting.timeout());
            }
            if (output.json()) {
                printer(session).json(operation);
            } else {
                printer(session).line(waiting.noWait ? operation.getKind().getValue() + " of " + name + " accepted (operation "
                        + operation.getId() + ")" : name + " " + done());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "start", description = "Start a stopped site and wait until it runs.")
    static final class Start extends SiteOperation {
        @Override
        Operation begin(SitesApi sites) throws Exception {
            return sites.startSite(name);
        }

        @Override
        String done() {
            return "started";
        }
    }

    @Command(name = "stop", description = "Stop a site (it answers a 503 page) and wait until it is stopped.")
    static final class Stop extends SiteOperation {
        @Override
        Operation begin(SitesApi sites) throws Exception {
            return sites.stopSite(name);
        }

        @Override
        String done() {
            return "stopped";
        }
    }

    @Command(name = "rm", description = "Delete a site, its container and its content.")
    static final class Rm extends SiteOperation {
        @Option(names = {"-y", "--yes"}, description = "do not ask (needed when not at a terminal)")
        boolean yes;

        @Override
        Operation begin(SitesApi sites) throws Exception {
            if (!yes) {
                if (!io().interactive()) {
                    throw new CliException(ExitCodes.USAGE, "deleting " + name + " needs --yes when not at a terminal");
                }
                String typed = io().console().readLine("Delete %s and all its content? Type its name to confirm: ", name);
                if (typed == null || !typed.trim().equals(name)) {
                    throw new CliException(ExitCodes.FAILED, "not deleted: the name did not match");
                }
            }
            return sites.deleteSite(name);
        }

        @Override
        String done() {
            return "deleted";
        }
    }
}
