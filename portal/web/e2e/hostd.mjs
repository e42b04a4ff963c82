// Starts a real berth-hostd (root) for the full deploy flow, on host objects unique to this run,
// like hostd's own host tests: prefix bp<random>, a bridge of that name, a free 10.1.X.0/24 and
// fd00:b5e7:X::/64, its own nginx on a free loopback port. stop() removes every object of the run.
import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopChild } from './stack.mjs';

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

/** Removes a run's containers, namespaces, bridge, firewall table, nginx, cgroups and files. */
function removeRun(prefix, dataDirectory, runDirectory) {
  if (!/^bp[a-z0-9]{6}$/.test(prefix)) {
    return;
  }
  const runcRoot = join(runDirectory, 'runc');
  for (const id of run(['runc', '--root', runcRoot, 'list', '-q']).stdout.split(/\s+/)) {
    if (id.startsWith(`${prefix}-`)) {
      run(['runc', '--root', runcRoot, 'delete', '--force', id]);
    }
  }
  if (existsSync('/var/run/netns')) {
    for (const name of readdirSync('/var/run/netns')) {
      if (name.startsWith(`${prefix}-`)) {
        run(['ip', 'netns', 'delete', name]);
      }
    }
  }
  run(['nft', 'delete', 'table', 'inet', `${prefix}_guard`]);
  run(['ip', 'link', 'delete', 'dev', prefix]);
  const nginxPid = join(dataDirectory, 'nginx/run/nginx.pid');
  if (existsSync(nginxPid)) {
    const pid = Number(readFileSync(nginxPid, 'utf8').trim());
    const command = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
    if (pid > 1 && command.includes('nginx')) {
      // SIGTERM to the master stops its workers without respawning them.
      process.kill(pid, 'SIGTERM');
    }
  }
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const root = join('/sys/fs/cgroup', hierarchy, prefix);
    if (existsSync(root) && statSync(root).isDirectory()) {
      // Deepest first: a cgroup directory is removed with rmdir, once its children are gone.
      const directories = [];
      const walk = (directory) => {
        directories.push(directory);
        for (const entry of readdirSync(directory, { withFileTypes: true })) {
          if (entry.isDirectory()) {
            walk(join(directory, entry.name));
          }
        }
      };
      walk(root);
      for (const directory of directories.reverse()) {
        run(['rmdir', directory]);
      }
    }
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
        network: { ipv4Subnet: `10.1.${octet}.0/24`, ipv4Gateway: `10.1.${octet}.254`, ipv6Prefix: `fd00:b5e7:${octet.toString(16)}::/64` },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`hostd did not answer on ${socket} within 60 s; see ${join(outputDir, 'hostd.log')}`);
}
