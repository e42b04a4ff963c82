/**
 * Archive uploads (zip, tar.gz) turned into the normalized tar the host daemon accepts.
 *
 * <p>Threat model. The upload is attacker-controlled bytes parsed by a well-kept library (Commons
 * Compress), never by hand. Attacks considered: path traversal (Zip Slip: {@code ..}, absolute paths,
 * drive letters, backslashes), links and special files (symlink then write-through-symlink, hard link
 * to /etc/shadow, devices, FIFOs, setuid bits), resource exhaustion (decompression bombs, a million
 * entries, huge names, uploads over quota), name confusion (NUL and control characters, invalid
 * UTF-8, duplicates, a path both file and directory) and partial results (a refused or interrupted
 * upload). Each is refused with a typed {@link dev.berth.api.deploys.ContentRefusedException};
 * nothing reaches the sink until the whole archive has passed, and staging files are always deleted.
 */
package dev.berth.api.deploys.archive;
