// Starts the real Berth API from its jar on free loopback ports with a throw-away H2 database,
// and stops it again. No fake anywhere: the portal under test is the one the jar serves.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** SIGTERM to a child process, SIGKILL after timeoutMs; resolves once it is gone (at once if it was). */
export async function stopChild(child, timeoutMs) {
  if (child.exitCode !== null) {
    return;
  }
  child.kill('SIGTERM');
  await new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function waitForHealth(baseUrl, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the API exited with code ${child.exitCode} before it was healthy`);
    }
    try {
      const response = await fetch(`${baseUrl}/api/v1/health`);
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the API was not healthy within ${timeoutMs} ms`);
}

/**
 * Resolves to { baseUrl, dataDir, stop }: dataDir is the API's data directory, whose mail/ holds
 * every message the API sent, as .eml files (the API's `files` mail transport).
 *
 * @param hostd null (the API's socket names a file that does not exist: sites stay provisioning),
 *     or a started hostd ({ socket, network }) that the API drives
 */
export async function startStack({ jar, outputDir, adminEmail, adminPassword, hostd = null, logName = 'api.log' }) {
  if (!existsSync(jar)) {
    throw new Error(`no API jar at ${jar}: build it first with\n  mvn -B -pl migrations,portal,api -am package -DskipTests`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-e2e-'));
  const port = await freePort();
  const adminPort = await freePort();
  const config = join(dataDir, 'e2e.yml');
  writeFileSync(config, `
server:
  rootPath: /api/v1/*
  applicationConnectors:
    - type: http
      port: ${port}
      bindHost: 127.0.0.1
  adminConnectors:
    - type: http
      port: ${adminPort}
      bindHost: 127.0.0.1
  requestLog:
    appenders: []
database:
  driverClass: org.h2.Driver
  url: jdbc:h2:file:${dataDir}/berth;LOCK_TIMEOUT=10000;DB_CLOSE_ON_EXIT=FALSE
  user: berth
  password: berth
  initialSize: 2
  minSize: 2
  maxSize: 8
  validationQuery: SELECT 1
platform:
  domain: localhost
  siteUrlScheme: http
  openSignup: true
  dataDirectory: ${dataDir}
  adminEmail: ${adminEmail}
  adminPassword: ${adminPassword}
deploys:
  publicBaseUrl: http://127.0.0.1:${port}
  # Exactly one loopback target is let through the repository URL policy, so that a Git source
  # can be saved without outside network; nothing listens there, so its fetches fail.
  gitAllowlist: ["127.0.0.1:9"]
events:
  # The flows' webhook receiver listens on loopback; nothing else is allowed.
  endpointAllowlist: ["127.0.0.1/32"]
  allowPlainHttp: true
  pollIntervalMillis: 200
mail:
  pollIntervalMillis: 200
usage:
  # A point every 2 s, so the flows see graphs within seconds (the default is 15 s).
  sampleIntervalSeconds: 2
host:
  socketPath: ${hostd ? hostd.socket : `${dataDir}/hostd/hostd.sock`}
  reconcileIntervalMillis: 2000
logging:
  level: INFO
  loggers:
    liquibase: WARN
`);
  mkdirSync(outputDir, { recursive: true });
  const log = createWriteStream(join(outputDir, logName));
  const child = spawn('java', ['-Xmx512m', '-jar', jar, 'server', config], {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child, 10000);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(baseUrl, child, 90000);
  } catch (failure) {
    await stop();
    throw failure;
  }
  return { baseUrl, dataDir, stop };
}
