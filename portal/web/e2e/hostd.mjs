// Starts a real berth-hostd (root) for the full deploy flow, on host objects unique to this run,
// like hostd's own host tests: prefix bp<random>, a bridge of that name, a free 10.1.X.0/24 and
// fd00:b5e7:X::/64, its own nginx on a free loopback port. stop() removes every object of the run.
import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild } from './stack.mjs';

// testkit's compiled classes (built with the hostd jar: mvn -B -pl hostd -am package -DskipTests).
const TESTKIT_CLASSES = resolve(process.env.BERTH_TESTKIT_CLASSES
  ?? join(dirname(fileURLToPath(import.meta.url)), '../../../testkit/target/classes'));
const TOOLS = ['/usr/sbin/runc', '/usr/sbin/nginx', '/usr/lib/cni/bridge', '/bin/busybox', '/usr/sbin/nft', '/usr/sbin/ip'];

function run(argv) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** Why hostd cannot run here, or null when it can. */
export function hostdUnavailable(jar) {
  if (process.env.BERTH_E2E_HOSTD === '0') {
    return 'BERTH_E2E_HOSTD=0';
  }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'not root';
  }
  const missing = TOOLS.filter((tool) => !existsSync(tool));
  if (missing.length > 0) {
    return `missing ${missing.join(', ')}`;
  }
  if (!existsSync(jar)) {
    return `no hostd jar at ${jar} (mvn -B -pl hostd -am package -DskipTests)`;
  }
  if (!existsSync(join(TESTKIT_CLASSES, 'dev/berth/testkit/HostCleanup.class'))) {
    return `no testkit classes at ${TESTKIT_CLASSES} (mvn -B -pl hostd -am package -DskipTests)`;
  }
  return null;
}

function freeOctet() {
  const addresses = run(['ip', '-o', 'addr', 'show']).stdout;
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = 100 + randomInt(150);
    if (!addresses.includes(`10.1.${candidate}.`)) {
      return candidate;
    }
  }
  throw new Error('no free 10.1.X.0/24 test subnet');
}

/**
 * Removes a run's host objects with testkit's HostCleanup, the one clean-up every host test uses
 * (containers, namespaces, every bridge of the run, firewall table, nginx, cgroups), then its files.
 */
function removeRun(prefix, dataDirectory, runDirectory) {
  if (!/^bp[a-z0-9]{6}$/.test(prefix)) {
    return;
  }
  const cleanup = run(['java', '-cp', TESTKIT_CLASSES, 'dev.berth.testkit.HostCleanup', prefix, join(runDirectory, 'runc'),
    join(dataDirectory, 'nginx/run/nginx.pid')]);
  if (cleanup.status !== 0) {
    console.error(`  host clean-up of ${prefix} failed (${cleanup.status}): ${cleanup.stderr.trim()}`);
  }
  rmSync(runDirectory, { recursive: true, force: true });
  rmSync(dataDirectory, { recursive: true, force: true });
}

export async function startHostd({ jar, outputDir }) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let prefix = 'bp';
  for (let i = 0; i < 6; i++) {
    prefix += alphabet[randomInt(alphabet.length)];
  }
  const octet = freeOctet();
  const proxyPort = await freePort();
  const dataDirectory = mkdtempSync(join(tmpdir(), `berth-e2e-hostd-${prefix}-`));
  const runDirectory = `/run/${prefix}-hostd`;
  const socket = join(runDirectory, 'api/hostd.sock');
  const config = join(dataDirectory, 'hostd.yml');
  writeFileSync(config, `
namePrefix: ${prefix}
dataDirectory: ${dataDirectory}
runDirectory: ${runDirectory}
monitorIntervalMillis: 300
network:
  bridge: ${prefix}
  bridgeIpv4: 10.1.${octet}.254/24
  bridgeIpv6: fd00:b5e7:${octet.toString(16)}::fe/64
runtime:
  cgroupRoot: ${prefix}
proxy:
  manageInstance: true
  listen: ["127.0.0.1:${proxyPort}"]
server:
  type: simple
  applicationContextPath: /
  adminContextPath: /admin
  connector:
    type: unix-socket
    path: ${socket}
  requestLog:
    appenders: []
logging:
  level: INFO
`);
  const log = createWriteStream(join(outputDir, 'hostd.log'));
  const child = spawn('java', ['-Xmx192m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-jar', jar, 'server', config],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  // An interrupted run (Ctrl+C, a CI timeout) still removes what it created on the host.
  const onSignal = (signal) => {
    stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  const stop = async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopChild(child, 20000);
    removeRun(prefix, dataDirectory, runDirectory);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`hostd exited with code ${child.exitCode}; see ${join(outputDir, 'hostd.log')}`);
    }
    if (existsSync(socket) && run(['curl', '-sf', '--unix-socket', socket, 'http://hostd/v1/host']).status === 0) {
      return {
        prefix, octet, proxyPort, socket, stop,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`hostd did not answer on ${socket} within 60 s; see ${join(outputDir, 'hostd.log')}`);
}
