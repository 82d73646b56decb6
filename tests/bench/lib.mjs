// What the benchmark's Node halves share (service.mjs, soak.mjs): starting and stopping takedownd
// on 127.0.0.1, bounded child processes, plain JSON calls, staff sign-in, memory of a process.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

// Limits as high as takedownd takes them: the benchmark is one address hammering the server, and
// measures the work, not the rate limiter (which answers 429 at once).
export const UNLIMITED = ['--submit-per-address', '100000', '--submit-rate', '10000', '--submit-burst', '100000',
  '--receipt-tries-per-address', '1000', '--receipt-rate', '10000', '--receipt-burst', '100000'];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Runs a program to its end within limitMs; {status, stdout, stderr}.
export function run(cmd, args, { input, env, limitMs = 60000 } = {}) {
  const r = spawnSync(cmd, args, { input, env: { ...process.env, ...env }, encoding: 'utf8', timeout: limitMs, maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`${path.basename(cmd)}: ${r.error.message}`);
  return r;
}

export const servers = new Set(); // every takedownd this run started, stopped on the way out

// Starts takedownd on dataDir; resolves once /healthz answers (within a minute).
export async function startServer(o, dataDir, extra = []) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logFile = path.join(o.work, `takedownd.${port}.log`);
  const fd = openSync(logFile, 'a');
  // o.wrap: a program and its arguments to run takedownd under (cost.mjs --callgrind).
  const [cmd, ...pre] = [...(o.wrap || []), path.join(o.build, 'takedownd')];
  const proc = spawn(cmd,
    [...pre, '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--threads', String(o.threads), ...(o.db ? ['--db', o.db] : []), ...UNLIMITED, ...extra],
    { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const srv = { proc, base, port, logFile, exited };
  servers.add(srv);
  for (const until = Date.now() + 60000; Date.now() < until && proc.exitCode === null;) {
    try {
      if ((await fetch(base + '/healthz')).status === 200) return srv;
    } catch { /* not up yet */ }
    await sleep(50);
  }
  const log = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  await stopServer(srv);
  throw new Error(`takedownd did not start on ${dataDir}:\n${log}`);
}

export async function stopServer(srv) {
  if (srv.proc.exitCode === null && srv.proc.signalCode === null) srv.proc.kill('SIGTERM');
  const killer = setTimeout(() => srv.proc.kill('SIGKILL'), 30000);
  await srv.exited;
  clearTimeout(killer);
  servers.delete(srv);
}

// CPU time every thread of a running takedownd has used so far, in ns (/proc schedstat).
export function cpuNsOf(srv) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${srv.proc.pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${srv.proc.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch { /* a thread that just ended */ }
  }
  return ns;
}

// The write counters of a running takedownd (its /metrics) and the CPU time of all its threads:
// {tx, commits, pages, writerS, cpuNs}. Two readings around a phase give its cost per request.
export async function storeCounters(srv) {
  const text = await (await fetch(srv.base + '/metrics')).text();
  const get = (name) => Number((new RegExp(`^${name} (\\S+)$`, 'm').exec(text) || [])[1]);
  return {
    tx: get('takedown_store_transactions_total'),
    commits: get('takedown_store_commits_total'),
    pages: get('takedown_store_log_pages_total'),
    writerS: get('takedown_store_writer_cpu_seconds_total'),
    cpuNs: cpuNsOf(srv),
  };
}

// VmRSS and VmHWM of a running takedownd, in MB.
export function memoryOf(srv) {
  const status = readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8');
  const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status) || [])[1] || 0);
  return { rss_mb: round(kb('VmRSS') / 1024), hwm_mb: round(kb('VmHWM') / 1024) };
}

export async function api(base, method, p, { cookie, csrf, json } = {}) {
  const headers = {};
  if (cookie) headers.Cookie = 'td_session=' + cookie;
  if (csrf) headers['X-CSRF-Token'] = csrf;
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + p, { method, headers, body: json === undefined ? undefined : JSON.stringify(json), redirect: 'manual', signal: AbortSignal.timeout(120000) });
  const text = await res.text();
  const cookies = Object.fromEntries(res.headers.getSetCookie().map((c) => c.split(';')[0].split('=')));
  let body = null;
  try { body = JSON.parse(text); } catch { /* a page */ }
  return { status: res.status, body, cookies };
}

export async function signIn(base, login, password) {
  const r = await api(base, 'POST', '/api/v1/staff/session', { json: { login, password } });
  if (r.status !== 200) throw new Error(`staff sign-in as ${login}: ${r.status}`);
  return { cookie: r.cookies.td_session, csrf: r.body.csrf };
}

export function round(x, digits = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
