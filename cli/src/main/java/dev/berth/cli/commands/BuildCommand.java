package dev.berth.cli.commands;

import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.sdk.api.BuildsApi;
import dev.berth.sdk.model.SiteBuild;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code berth build set|show|remove --site NAME}: a site's build step, the command every deploy
 * runs on the site's files and the folder it publishes.
 */
@Command(name = "build", description = "A site's build step: every deploy runs a command on its files and publishes its output folder.",
        subcommands = {BuildCommand.Set.class, BuildCommand.Show.class, BuildCommand.Remove.class})
public final class BuildCommand extends GroupCommand {

    @Command(name = "set", description = "Build every deploy of the site, e.g. --command 'hugo --minify' --publish public.")
    static final class Set extends ApiCommand {
        @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
        String site;
        @Option(names = "--command", required = true, paramLabel = "COMMAND",
                description = "run with /bin/sh in the files: hugo --minify, jekyll build, mkdocs build, npm run build")
        String command;
        @Option(names = "--publish", required = true, paramLabel = "FOLDER", description = "the folder the build writes the site into: public, _site, site, dist")
        String outputDirectory;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            SiteBuild saved = new BuildsApi(session.client()).putSiteBuild(site, new SiteBuild().command(command).outputDirectory(outputDirectory));
            print(printer(session), output, site, saved);
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Show the site's build step.")
    static final class Show extends ApiCommand {
        @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
        String site;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            print(printer(session), output, site, new BuildsApi(session.client()).getSiteBuild(site));
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", description = "Stop building: deploys publish their files as they are.")
    static final class Remove extends ApiCommand {
        @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
        String site;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            new BuildsApi(session.client()).deleteSiteBuild(site);
            printer(session).line(site + ": no build step; deploys publish their files as they are");
            return ExitCodes.OK;
        }
    }

    private static void print(dev.berth.cli.output.Printer printer, OutputOption output, String site, SiteBuild build) {
        if (output.json()) {
            printer.json(build);
        } else {
            printer.line(site + ": every deploy runs `" + build.getCommand() + "` and publishes " + build.getOutputDirectory() + "/");
        }
    }
}
