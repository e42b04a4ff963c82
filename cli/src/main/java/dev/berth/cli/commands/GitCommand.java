package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.sdk.api.DeploysApi;
import dev.berth.sdk.model.GitSource;
import dev.berth.sdk.model.GitSourceRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code berth git set|show|remove --site NAME}: the site's Git source, public or private. A
 * private repository over https takes an access token, read from standard input or a hidden
 * prompt (never from the command line, where other users of the machine could read it); over ssh
 * it takes the site's deploy key, whose public half {@code set} prints to add at the Git host.
 */
@Command(name = "git", description = "The site's Git repository: push webhooks and berth redeploy deploy its branch.",
        subcommands = {GitCommand.Set.class, GitCommand.Show.class, GitCommand.Remove.class})
public final class GitCommand extends GroupCommand {

    /** {@code --site NAME}, on every subcommand. */
    static final class SiteOption {
        @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
        String site;
    }

    @Command(name = "set", description = "Set the site's repository and branch; prints the webhook's URL and secret"
            + " (shown once) and, with --deploy-key, the public key to add at the Git host.")
    static final class Set extends ApiCommand {
        @Mixin
        SiteOption target;
        @Option(names = "--repo", required = true, paramLabel = "URL",
                description = "https://host/org/site.git, or ssh://git@host/org/site.git (git@host:org/site.git) with --deploy-key")
        String repository;
        @Option(names = "--branch", defaultValue = "main", paramLabel = "BRANCH", description = "the branch to deploy (default: ${DEFAULT-VALUE})")
        String branch;
        @Option(names = "--path", paramLabel = "FOLDER", description = "publish this folder of the repository (default: its root)")
        String path;
        @Option(names = "--token", description = "a private https repository: read an access token from standard input or a prompt")
        boolean token;
        @Option(names = "--token-user", paramLabel = "USER", description = "the user name sent with the token (default: x-access-token)")
        String tokenUser;
        @Option(names = "--keep-token", description = "with --token: keep the token stored before instead of reading one")
        boolean keepToken;
        @Option(names = "--deploy-key", description = "a private ssh repository: use the site's deploy key")
        boolean deployKey;
        @Option(names = "--rotate-key", description = "with --deploy-key: make a new key (remove the old one at the Git host)")
        boolean rotateKey;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            if (token && deployKey) {
                throw new CliException(ExitCodes.USAGE, "--token and --deploy-key exclude each other");
            }
            if ((tokenUser != null || keepToken) && !token) {
                throw new CliException(ExitCodes.USAGE, "--token-user and --keep-token go with --token");
            }
            if (rotateKey && !deployKey) {
                throw new CliException(ExitCodes.USAGE, "--rotate-key goes with --deploy-key");
            }
            GitSourceRequest request = new GitSourceRequest().repositoryUrl(repository).branch(branch).path(path)
                    .credential(token ? GitSourceRequest.CredentialEnum.TOKEN
                            : deployKey ? GitSourceRequest.CredentialEnum.DEPLOY_KEY : GitSourceRequest.CredentialEnum.NONE);
            if (token) {
                request.tokenUsername(tokenUser);
                if (!keepToken) {
                    request.token(secret());
                }
            }
            if (rotateKey) {
                request.rotateDeployKey(true);
            }
            Session session = session();
            GitSource source = new DeploysApi(session.client()).putGitSource(target.site, request);
            if (output.json()) {
                printer(session).json(source);
            } else {
                List<String> lines = describe(target.site, source);
                lines.add("webhook secret (shown once): " + source.getSecret());
                lines.forEach(printer(session)::line);
            }
            return ExitCodes.OK;
        }

        private String secret() {
            String typed = io().secret("Access token for %s: ", repository);
            if (typed == null || typed.isBlank()) {
                throw new CliException(ExitCodes.USAGE, "no access token: give it on standard input");
            }
            return typed.strip();
        }
    }

    @Command(name = "show", description = "Show the site's Git source (never its token or webhook secret).")
    static final class Show extends ApiCommand {
        @Mixin
        SiteOption target;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            GitSource source = new DeploysApi(session.client()).getGitSource(target.site);
            if (output.json()) {
                printer(session).json(source);
            } else {
                describe(target.site, source).forEach(printer(session)::line);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", description = "Remove the site's Git source: pushes no longer deploy it (its releases stay).")
    static final class Remove extends ApiCommand {
        @Mixin
        SiteOption target;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            new DeploysApi(session.client()).deleteGitSource(target.site);
            printer(session).line(target.site + " has no Git source any more");
            return ExitCodes.OK;
        }
    }

    /** The source as lines a person reads: what is deployed, how access is proven, where pushes go. */
    static List<String> describe(String site, GitSource source) {
        List<String> lines = new ArrayList<>();
        String folder = source.getPath() == null || source.getPath().isEmpty() ? "" : " (folder " + source.getPath() + ")";
        lines.add(site + " deploys " + source.getRepositoryUrl() + " branch " + source.getBranch() + folder);
        switch (source.getCredential()) {
            case TOKEN -> lines.add("access: a token, sent as user " + source.getTokenUsername());
            case DEPLOY_KEY -> {
                lines.add("access: the site's deploy key " + source.getDeployKeyFingerprint()
                        + "; add it, read-only, at the Git host:");
                lines.add(source.getDeployPublicKey());
                if (source.getHostKeyFingerprint() != null) {
                    lines.add("trusted host key: " + source.getHostKeyFingerprint());
                }
            }
            default -> lines.add("access: public");
        }
        lines.add("push webhook: " + source.getWebhookUrl());
        return lines;
    }
}
