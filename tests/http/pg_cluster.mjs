// A throwaway PostgreSQL cluster for the tests (issue 16): Debian's server binaries, a temporary
// directory, trust authentication for one role, gone when the test process ends. It listens on
// no TCP port, only on a Unix socket inside that directory (mode 0700), so no other user of the
// machine can reach a server that trusts whoever connects. initdb and the server refuse to run
// as root, so as root they run as the `postgres` user that Debian's package creates.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from './ports.mjs';

// The newest installed server's bin directory (/usr/lib/postgresql/N/bin), or null.
export function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : null;
}

const asRoot = process.getuid && process.getuid() === 0;

// Runs a server program, as `postgres` when we are root; throws with its output on failure.
function runServerTool(bin, args, limitMs = 60000) {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: limitMs });
  if (r.status !== 0) throw new Error(`${path.basename(bin)} failed (${r.status}): ${r.stderr || r.stdout || r.error}`);
  return r.stdout;
}

// Every cluster started is stopped and its directory removed when the process ends, whatever
// the tests did: the server first, so that it never runs on in a deleted directory.
const running = new Set();
process.on('exit', () => {
  for (const c of running) c.stopNow();
});

// Starts a cluster; resolves to {url, port, dir, psql(sql), down(), up(), crash(), promote(),
// stop()} (port: the number in the socket's name, one nothing listens on over TCP). fsync is off:
// the tests that use it check SQL and behaviour, and no test crashes the machine. Room for 300
// connections: each takedownd keeps one per thread (about 25), and a test file may run several.
// from: a primary cluster to copy (pg_basebackup over its socket) and follow as a streaming standby.
export async function startCluster({ fsync = false, from = null } = {}) {
  const bin = postgresBin();
  if (!bin) throw new Error('no PostgreSQL server under /usr/lib/postgresql (scripts/install-deps --test installs postgresql)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'takedown-pg-'));
  if (asRoot) {
    const pw = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
    if (!pw) throw new Error('no postgres user to run the server as');
    const [, , uid, gid] = pw.split(':');
    chownSync(dir, Number(uid), Number(gid));
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  let opts; // the server's settings, once initdb made its directory
  const cluster = {
    dir,
    port,
    url: `postgresql:///takedown?host=${encodeURIComponent(dir)}&port=${port}&user=takedown`,
    stopNow() {
      if (!running.delete(cluster)) return;
      const stop = [path.join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'];
      spawnSync(asRoot ? 'runuser' : stop[0], asRoot ? ['-u', 'postgres', '--', ...stop] : stop.slice(1), { timeout: 30000 });
      rmSync(dir, { recursive: true, force: true });
    },
    async stop() {
      cluster.stopNow();
    },
    // Stops the server as an operator would (fast: sessions ended), keeping its data, and starts it
    // again: the database unreachable for a while.
    down() {
      runServerTool(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    up() {
      runServerTool(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
    },
    // The server stops as if the machine had gone: no checkpoint, sessions cut (its data kept).
    crash() {
      runServerTool(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    // A standby becomes a primary that takes writes.
    promote() {
      runServerTool(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '60', 'promote']);
    },
    // Runs SQL through psql as the cluster's role; the rows of the last statement, each an array of
    // texts (NULL as null). Throws with psql's message on any error (ON_ERROR_STOP).
    psql(sql, db = 'takedown') {
      const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'takedown', '-d', db,
        '-A', '-t', '-F', '\x1f', '-P', 'null=\x1e'], { input: sql, encoding: 'utf8', timeout: 60000 });
      if (r.status !== 0) throw new Error(`psql: ${r.stderr || r.error}`);
      return rowsOf(r.stdout);
    },
  };
  running.add(cluster); // from here on, the process's end stops it and removes the directory
  if (from) // initdb's trust rules admit replication over the local socket: no TCP here either
    runServerTool(path.join(bin, 'pg_basebackup'), ['-h', from.dir, '-p', String(from.port), '-U', 'takedown', '-D', data, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
  else
    runServerTool(path.join(bin, 'initdb'), ['-D', data, '-U', 'takedown', '--auth=trust', '-E', 'UTF8', '--locale=C', '-N']);
  opts = `-p ${port} -k ${dir} -c listen_addresses='' -c unix_socket_permissions=0700 -c max_connections=300 -c fsync=${fsync ? 'on' : 'off'} -c full_page_writes=${fsync ? 'on' : 'off'}`;
  cluster.up();
  if (!from) cluster.psql('CREATE DATABASE takedown', 'postgres');
  return cluster;
}

// psql's unaligned output (fields split by 0x1f, NULL printed as 0x1e) as arrays of texts.
export function rowsOf(out) {
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\x1f').map((f) => (f === '\x1e' ? null : f)));
}
