package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Io;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.cli.output.Progress;
import dev.berth.cli.pack.Archive;
import dev.berth.cli.pack.Manifest;
import dev.berth.cli.pack.Uploads;
import dev.berth.sdk.api.DeploysApi;
import dev.berth.sdk.model.Deploy;
import dev.berth.sdk.model.DeployManifest;
import dev.berth.sdk.model.ManifestFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berth deploy DIR|ARCHIVE --site NAME}: a directory is deployed by manifest (every regular
 * file hashed, symbolic links and {@code .git} left out; only the files the platform lacks are
 * sent), or packed as a zip with {@code --zip}; an archive (zip or tar.gz, recognised by its first
 * bytes) is sent as it is. Shows a progress bar on standard error at a terminal, then follows the
 * deploy until it is live.
 */
@Command(name = "deploy", description = "Deploy a directory or a zip / tar.gz archive as a site's new content.")
public final class DeployCommand extends ApiCommand {
    @Parameters(paramLabel = "DIR|ARCHIVE", description = "a directory to publish, or a .zip / .tar.gz")
    Path source;
    @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
    String site;
    @Mixin
    WaitOption waiting;
    @Option(names = "--zip", description = "send a directory as one zip instead of by manifest (every file, every time)")
    boolean zip;
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
        boolean bar = progress != null ? progress : io.interactive();
        Deploy deploy = Files.isDirectory(source) && !zip ? byManifest(io, session, bar) : byArchive(io, session, bar);
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
        return ExitCodes.OK;
    }

    private Deploy byArchive(Io io, Session session, boolean showProgress) throws Exception {
        try (Archive archive = Archive.of(source)) {
            if (archive.packedFiles() >= 0) {
                io.err().println("Packed " + archive.packedFiles() + " files from " + source + " ("
                        + Progress.size(archive.sizeBytes()) + " zip)" + (archive.skipped() > 0 ? ", left out " + archive.skipped()
                        + " symbolic links or .git entries" : ""));
            }
            Progress bar = new Progress(io.err(), showProgress, "uploading", archive.sizeBytes());
            Deploy deploy = Uploads.upload(session, site, archive, bar);
            bar.finish();
            return deploy;
        }
    }

    /** Sends the manifest, then each file the platform asks for, once per digest. */
    private Deploy byManifest(Io io, Session session, boolean showProgress) throws Exception {
        Manifest manifest = Manifest.of(source);
        Deploy deploy = new DeploysApi(session.client()).createManifestDeploy(site, new DeployManifest().files(manifest.files().stream()
                .map(file -> new ManifestFile().path(file.path()).sha256(file.sha256())).toList()));
        Map<String, Manifest.File> byDigest = manifest.byDigest();
        List<Manifest.File> needed = new ArrayList<>();
        for (String digest : deploy.getRequired() == null ? List.<String>of() : deploy.getRequired()) {
            Manifest.File file = byDigest.get(digest);
            if (file == null) {
                throw new CliException(ExitCodes.FAILED, "the API asked for a file this directory does not hold (" + digest + ")");
            }
            needed.add(file);
        }
        long neededBytes = needed.stream().mapToLong(Manifest.File::size).sum();
        io.err().println("Found " + manifest.files().size() + " files in " + source + " (" + Progress.size(manifest.bytes()) + ")"
                + (manifest.skipped() > 0 ? ", left out " + manifest.skipped() + " symbolic links or .git entries" : "")
                + "; sending the " + needed.size() + " the platform lacks (" + Progress.size(neededBytes) + ")");
        Progress bar = new Progress(io.err(), showProgress, "uploading", neededBytes);
        for (Manifest.File file : needed) {
            deploy = Uploads.uploadFile(session, site, deploy.getId(), file, bar);
        }
        bar.finish();
        return deploy;
    }
}
