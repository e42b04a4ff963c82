package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Io;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.cli.output.Progress;
import dev.berth.cli.pack.Archive;
import dev.berth.cli.pack.Uploads;
import dev.berth.sdk.api.DeploysApi;
import dev.berth.sdk.model.Deploy;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berth deploy DIR|ARCHIVE --site NAME}: a directory is packed as a zip (regular files only;
 * symbolic links and {@code .git} are left out), an archive (zip or tar.gz, recognised by its
 * first bytes) is sent as it is. Shows a progress bar on standard error at a terminal, then follows
 * the deploy until it is live.
 */
@Command(name = "deploy", description = "Deploy a directory or a zip / tar.gz archive as a site's new content.")
public final class DeployCommand extends ApiCommand {
    @Parameters(paramLabel = "DIR|ARCHIVE", description = "a directory to publish, or a .zip / .tar.gz")
    Path source;
    @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
    String site;
    @Mixin
    WaitOption waiting;
    @Option(names = "--progress", negatable = true, description = "show the progress bar (default: when at a terminal)")
    Boolean progress;
    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        Io io = io();
        if (!Files.exists(source)) {
            throw new CliException(ExitCodes.USAGE, source + " does not exist");
        }
        Session session = session();
        try (Archive archive = Archive.of(source)) {
            if (archive.packedFiles() >= 0) {
                io.err().println("Packed " + archive.packedFiles() + " files from " + source + " ("
                        + Progress.size(archive.sizeBytes()) + " zip)" + (archive.skipped() > 0 ? ", left out " + archive.skipped()
                        + " symbolic links or .git entries" : ""));
            }
            Progress bar = new Progress(io.err(), progress != null ? progress : io.interactive(), "uploading", archive.sizeBytes());
            Deploy deploy = Uploads.upload(session, site, archive, bar);
            bar.finish();
            if (!waiting.noWait) {
                deploy = Waits.deploy(io, new DeploysApi(session.client()), site, deploy, waiting.timeout());
            }
            if (output.json()) {
                printer(session).json(deploy);
            } else {
                printer(session).line(waiting.noWait ? "deploy " + deploy.getId() + " accepted (" + deploy.getStatus().getValue() + ")"
                        : "deploy " + deploy.getId() + (deploy.getStatus() == Deploy.StatusEnum.LIVE ? " is live on " + site
                        : " went live on " + site + " and a newer deploy already replaced it") + " (" + deploy.getFiles()
                        + " files, " + Progress.size(deploy.getBytes() == null ? 0 : deploy.getBytes()) + ")");
            }
        }
        return ExitCodes.OK;
    }
}
