// Starts the real takedownd on a free port with a fresh data directory, for HTTP tests.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort } from './ports.mjs';

// The repository, wherever the tests run from (ctest runs them inside the build directory).
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The translations, to check pages against the same words the service uses.
export const I18N = {
  'zh-CN': JSON.parse(readFileSync(path.join(REPO, 'web/i18n/zh-CN.json'), 'utf8')),
  en: JSON.parse(readFileSync(path.join(REPO, 'web/i18n/en.json'), 'utf8')),
};

// Text as the service's templates escape it into HTML.
export const htmlEscape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

// A valid report in the DESIGN section 7 shape; fresh each call (tests/http/victim.test.mjs, and
// the benchmark's tests/bench/cost.mjs).
export function validReport(extra = {}) {
  return {
    language: 'zh-CN',
    requester: {
      role: 'self',
      name: '王小明',
      contact: { channel: 'phone', value: '+86 138-0013-8000', safe_hours: '晚上八点以后', may_leave_message: false },
    },
    incident: { type: 'crime', date: '2024-05-01', place: '上海', police_case_no: 'SH-2024-001' },
    description: '在地铁站被人偷拍,视频被传到网上。',
    consent: { share_identity_with_platform: true, preservation: 'fingerprint' },
    good_faith: true,
    signature: '王小明',
    targets: [
      { kind: 'online', url: 'https://www.douyin.com/video/7300000000000000001', platform: 'douyin', note: '播放量很高' },
      { kind: 'offline', holder: '便利店老板', where: '南京路一家便利店的监控' },
    ],
    fingerprints: [{ alg: 'sha256', value: 'ab'.repeat(32) }],
    ...extra,
  };
}

export const TAKEDOWND = process.env.TAKEDOWND || path.resolve('build/takedownd');
export const TAKEDOWNCTL = process.env.TAKEDOWNCTL || path.resolve('build/takedownctl');

export { freePort };

// Every temporary directory a test file made goes when its process exits, whether or not the test
// that made it got as far as cleaning up (a failed assertion, a test that keeps a dir for the next).
const made = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'takedown-test-') {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The store the tests run against: SQLite under each data dir (the default), or PostgreSQL when
// TAKEDOWN_TEST_DB=postgresql (issue 16): one throwaway cluster for the test process, and one
// database per data dir, given to takedownd and takedownctl as --db beside every --data-dir.
export const ON_PG = process.env.TAKEDOWN_TEST_DB === 'postgresql';
export const pgCluster = ON_PG ? await (await import('./pg_cluster.mjs')).startCluster() : null;
const databases = new Map();

// The name of a data dir's database on PostgreSQL, made at first use with hex() as SQLite has it
// (for the tests' own SQL: sql() below).
function databaseOf(dir) {
  const key = path.resolve(dir);
  if (!databases.has(key)) {
    const name = `td_${databases.size + 1}`;
    pgCluster.psql(`CREATE DATABASE ${name}`, 'postgres');
    pgCluster.psql("CREATE FUNCTION hex(bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper(encode($1, 'hex')) $$", name);
    databases.set(key, name);
  }
  return databases.get(key);
}

// The database of a data dir on PostgreSQL, as the URL takedownd and takedownctl take.
export function dbFor(dir) {
  return pgCluster.url.replace('/takedown?', `/${databaseOf(dir)}?`);
}

// SQL run straight on a data dir's database, by a test that reads or tampers with rows: the
// sqlite3 shell, or psql on PostgreSQL. Written as SQLite takes it; on PostgreSQL X'..' literals,
// hex() and booleans (printed 1 and 0) read the same. The output as the sqlite3 shell prints it
// (columns split by |, one row a line), trimmed; throws with the tool's message on an error.
export function sql(dir, query, { readonly = false } = {}) {
  if (!ON_PG) {
    const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', ...(readonly ? ['-readonly'] : []), path.join(dir, 'takedown.db'), query], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
    return r.stdout.trim();
  }
  const rows = pgCluster.psql(query.replace(/\bX'([0-9A-Fa-f]*)'/g, "'\\x$1'::bytea"), databaseOf(dir));
  return rows.map((r) => r.map((f) => (f === null ? '' : f === 't' ? '1' : f === 'f' ? '0' : f)).join('|')).join('\n').trim();
}

// Skips a test on PostgreSQL, saying why: what it exercises exists only with SQLite (a file under
// the data dir, SQLite's own file format or log). Each use names its reason.
export function sqliteOnly(why) {
  return ON_PG ? { skip: `SQLite only: ${why}` } : {};
}

// args with --db added when the tests run on PostgreSQL: the database of their --data-dir, or of
// dir for a program that takes the data dir otherwise (the test tools).
export function withDb(args, dir) {
  const i = args.indexOf('--data-dir');
  const d = dir || (i >= 0 && i + 1 < args.length ? args[i + 1] : null);
  return ON_PG && d ? [...args, '--db', dbFor(d)] : args;
}

// The directories a thief with a copy of the disk reads for a data dir: the dir itself and, on
// PostgreSQL, the whole cluster's (tables, indexes, write-ahead log and the server's log), after a
// CHECKPOINT has written out what the server held in memory.
export function diskRoots(dir) {
  if (!ON_PG) return [dir];
  pgCluster.psql('CHECKPOINT', 'postgres');
  return [dir, pgCluster.dir];
}

// True when the files a scan read (their paths) hold the store itself: takedown.db and its log on
// SQLite; on PostgreSQL the cluster's tables and its write-ahead log. A scan's control.
export function scanReadStore(paths) {
  const has = (part) => paths.some((p) => p.includes(path.sep + part + path.sep));
  return ON_PG ? has('base') && has('pg_wal') : paths.some((p) => /takedown\.db(-wal)?$/.test(p));
}

// The report form as a browser posts it (multipart) with one PNG screenshot, for the form token
// csrf; url the copy's link.
export function reportForm(csrf, shot, url = 'https://www.douyin.com/video/7300000000000000555') {
  const fd = new FormData();
  const fields = {
    csrf, language: 'zh-CN', 'requester.role': 'self', 'requester.name': '李华', 'incident.type': 'intimate',
    'incident.date': '2024-03-08', 'incident.place': '杭州', description: '视频被发到网上。', 'targets[0].kind': 'online',
    'targets[0].url': url, 'requester.contact.channel': 'none',
    'consent.share_identity_with_platform': 'no', 'consent.preservation': 'none', good_faith: 'on', signature: '李华',
  };
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  fd.append('screenshots', new Blob([shot], { type: 'image/png' }), 'shot.png');
  return fd;
}

// The form token of a page's form.
export const formToken = (html) => /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(html)[1];

// Runs takedownctl with stdin lines; returns {status, stdout, stderr}.
export function ctl(args, stdinLines = []) {
  const r = spawnSync(TAKEDOWNCTL, withDb(args), {
    input: stdinLines.map((l) => l + '\n').join(''),
    encoding: 'utf8',
    timeout: 60000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Every file under root, as raw bytes ({p, bytes}): what a thief with a copy of the disk has.
export function dataFiles(root) {
  return filesUnder(root).map((p) => ({ p, bytes: readFileSync(p) }));
}

// The paths of the regular files under root (not sockets: the throwaway cluster keeps its own in
// its directory).
function filesUnder(root) {
  const out = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

// The files that hold a data dir's database, as a thief who copies the disk reads them:
// takedown.db and its log on SQLite; on PostgreSQL every file of the cluster, after a CHECKPOINT.
export function storeFiles(dir) {
  if (!ON_PG) return ['takedown.db', 'takedown.db-wal'].map((f) => path.join(dir, f)).filter((f) => existsSync(f));
  return diskRoots(dir).slice(1).flatMap(filesUnder);
}

// A data directory made by `takedownctl init` with an admin, then `user add` of each [login, role]
// in accounts; returns {dir, pw} (pw: login -> its random password). Asserts each step.
export function initStaff(prefix, accounts = []) {
  const dir = tempDir(prefix);
  const pw = { admin: 'Admin-' + randomBytes(8).toString('hex') };
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]);
  if (init.status !== 0) throw new Error('takedownctl init: ' + init.stderr);
  for (const [login, role] of accounts) {
    pw[login] = `${login}-` + randomBytes(8).toString('hex');
    const r = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', role, login], [pw.admin, pw[login], pw[login]]);
    if (r.status !== 0) throw new Error(`takedownctl user add ${login}: ` + r.stderr);
  }
  return { dir, pw };
}

// Starts a server; opts.args adds flags, opts.dataDir reuses a directory, opts.env adds to the
// environment.
export async function startServer(opts = {}) {
  const dataDir = opts.dataDir || tempDir();
  const port = opts.port || (await freePort());
  const args = opts.onlyArgs
    ? opts.args
    : ['--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...(opts.args || [])];
  const env = opts.env ? { ...process.env, ...opts.env } : process.env;
  const proc = spawn(TAKEDOWND, withDb(args), { stdio: ['ignore', 'pipe', 'pipe'], env });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  // TAKEDOWN_TEST_LOGS=DIR keeps each server's log there, for a person looking into a failure.
  if (process.env.TAKEDOWN_TEST_LOGS) exited.then(() => writeFileSync(path.join(process.env.TAKEDOWN_TEST_LOGS, `takedownd-${port}.log`), log));
  const base = `http://127.0.0.1:${port}`;
  // Bounded by a deadline, not a count of tries: a busy machine may need longer to start.
  for (const until = Date.now() + 60000; Date.now() < until; ) {
    if (proc.exitCode !== null) break;
    try {
      const r = await fetch(base + '/healthz');
      if (r.status === 200) break;
    } catch {
      /* not up yet */
    }
    await sleep(25);
  }
  if (proc.exitCode !== null) throw new Error('takedownd exited at start:\n' + log);
  return {
    base,
    port,
    dataDir,
    proc,
    exited,
    log: () => log,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
    cleanup() {
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// One request through fetch, as the tests make them. opts: xff (X-Forwarded-For, none unless
// given), lang (Accept-Language), headers, cookie (td_session) and jar (more cookies), csrf,
// and one body: json (an object, or a string sent as is), form (an object or [name, value]
// pairs), multipart (a FormData) or body; signal. The answer: status, headers, body (parsed
// when JSON), text, bytes, cookies (name -> value) and setCookies (name -> the whole header).
export async function call(base, method, p, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.xff) headers['X-Forwarded-For'] = opts.xff;
  if (opts.lang) headers['Accept-Language'] = opts.lang;
  const jar = [];
  if (opts.cookie) jar.push('td_session=' + opts.cookie);
  if (opts.jar) jar.push(opts.jar);
  if (jar.length) headers.Cookie = jar.join('; ');
  if (opts.csrf) headers['X-CSRF-Token'] = opts.csrf;
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = headers['Content-Type'] || 'application/json';
    body = typeof opts.json === 'string' ? opts.json : JSON.stringify(opts.json);
  } else if (opts.form) {
    body = new URLSearchParams(opts.form);
  } else if (opts.multipart) {
    body = opts.multipart;
  } else if (opts.body !== undefined) {
    body = opts.body;
  }
  const res = await fetch(base + p, { method, headers, body, redirect: 'manual', signal: opts.signal });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json = null;
  if (/^application\/json/.test(res.headers.get('content-type') || '')) json = JSON.parse(text);
  const cookies = {};
  const setCookies = {};
  for (const c of res.headers.getSetCookie()) {
    const [nv] = c.split(';');
    const i = nv.indexOf('=');
    cookies[nv.slice(0, i)] = nv.slice(i + 1);
    setCookies[nv.slice(0, i)] = c;
  }
  return { status: res.status, headers: res.headers, body: json, text, bytes, cookies, setCookies, url: res.url };
}

// Raw HTTP/1.1 over a socket, for requests fetch will not send (huge URLs, bad methods).
export function rawRequest(port, text, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(data);
    }, timeoutMs);
    sock.on('data', (d) => (data += d.toString('latin1')));
    sock.on('end', () => {
      clearTimeout(timer);
      resolve(data);
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      if (data) resolve(data);
      else reject(e);
    });
    sock.write(text);
  });
}

export function statusOf(raw) {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  return m ? Number(m[1]) : 0;
}

export function headerOf(raw, name) {
  const head = raw.split('\r\n\r\n')[0];
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && line.slice(0, i).toLowerCase() === name.toLowerCase()) return line.slice(i + 1).trim();
  }
  return null;
}

// ---- TOTP, as an authenticator app computes it ----

export function base32Decode(s) {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, val = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const i = alpha.indexOf(ch);
    if (i < 0) throw new Error('not base32: ' + ch);
    val = ((val << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((val >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// RFC 6238: HMAC-SHA1, 30 s steps, 6 digits.
export function totpAt(key, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', key).update(msg).digest();
  const off = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

// A reader that holds the database open in a read transaction (an sqlite3 shell) until the
// returned function releases it. Waits for the shell's answer itself, not for a fixed time.
export async function holdReader(dir) {
  const p = spawn('sqlite3', [path.join(dir, 'takedown.db')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sqlite3 gave no answer in 60 s')), 60000);
    p.stdout.on('data', (d) => {
      out += d;
      if (/\d+\n/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  p.stdin.write('BEGIN;\nSELECT count(*) FROM cases;\n');
  await ready;
  const exited = new Promise((r) => p.on('exit', r));
  return async () => {
    p.stdin.end('COMMIT;\n.quit\n');
    await exited;
  };
}
