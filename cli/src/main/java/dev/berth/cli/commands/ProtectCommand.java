package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.sdk.api.ProtectionApi;
import dev.berth.sdk.model.SiteProtection;
import dev.berth.sdk.model.SiteProtectionRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code berth protect --site NAME [--user U] [--allow CIDR]... [--path PREFIX]}: protects a site
 * with a password (read from standard input or a hidden prompt, never from the command line, where
 * other users of the machine could read it) and/or an address allow-list.
 */
@Command(name = "protect", description = "Protect a site with a password (read from standard input or a prompt)"
        + " and/or an address allow-list; replaces any protection it has.")
public final class ProtectCommand extends ApiCommand {
    @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
    String site;
    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "ask visitors for this user name and a password")
    String user;
    @Option(names = "--allow", paramLabel = "CIDR", description = "only this address or block may visit (repeatable)")
    List<String> allowed = new ArrayList<>();
    @Option(names = "--path", paramLabel = "PREFIX", description = "protect only this path and below it")
    String path;
    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        if (user == null && allowed.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "name a --user (the password is read from standard input), --allow, or both");
        }
        SiteProtectionRequest request = new SiteProtectionRequest().allowedAddresses(allowed).pathPrefix(path);
        if (user != null) {
            request.username(user).password(password());
        }
        Session session = session();
        SiteProtection protection = new ProtectionApi(session.client()).putSiteProtection(site, request);
        if (output.json()) {
            printer(session).json(protection);
        } else {
            List<String> parts = new ArrayList<>();
            if (Boolean.TRUE.equals(protection.getPasswordProtected())) {
                parts.add("a password for " + protection.getUsername());
            }
            if (!protection.getAllowedAddresses().isEmpty()) {
                parts.add("addresses " + String.join(", ", protection.getAllowedAddresses()));
            }
            printer(session).line(site + " is protected by " + String.join(" and ", parts)
                    + (protection.getPathPrefix() == null ? "" : " under " + protection.getPathPrefix()));
        }
        return ExitCodes.OK;
    }

    private String password() {
        String password = io().secret("Password for %s on %s: ", user, site);
        if (password == null || password.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "no password: give it on standard input");
        }
        return password;
    }
}
