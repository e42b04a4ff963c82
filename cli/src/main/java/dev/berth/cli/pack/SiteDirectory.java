package dev.berth.cli.pack;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The files of a directory that {@code berth deploy} publishes: regular files only, found without
 * following a symbolic link (a link could point anywhere on this machine, and a file outside the
 * directory must never be published by accident; the API refuses links anyway), {@code .git}
 * directories left out (a site's public content should not carry its repository's history).
 */
final class SiteDirectory {
    /** Receives each published file with its name in the site ({@code /}-separated). */
    @FunctionalInterface
    interface FileVisitor {
        void file(String name, Path path, BasicFileAttributes attributes) throws IOException;
    }

    private SiteDirectory() {
    }

    /** Walks {@code directory}; returns how many entries were left out (links, special files, {@code .git}). */
    static int walk(Path directory, FileVisitor visitor) throws IOException {
        int[] skipped = new int[1];
        Files.walkFileTree(directory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                if (!dir.equals(directory) && dir.getFileName().toString().equals(".git")) {
                    skipped[0]++;
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path path, BasicFileAttributes attributes) throws IOException {
                if (!attributes.isRegularFile()) {
                    skipped[0]++;
                    return FileVisitResult.CONTINUE;
                }
                StringBuilder name = new StringBuilder();
                for (Path part : directory.relativize(path)) {
                    name.append(name.length() == 0 ? "" : "/").append(part);
                }
                visitor.file(name.toString(), path, attributes);
                return FileVisitResult.CONTINUE;
            }
        });
        return skipped[0];
    }
}
