// The service half of the benchmark (README, "Benchmark"), run by tests/bench/run after the
// ceilings: starts the real takedownd on 127.0.0.1, drives it with wrk (the Lua scripts next to
// this file), adds the service figures and their ratios to the ceilings in bench.json and prints
// one table of everything. Node only prepares (signs in, collects ids, moves targets into place);
// the measured load is wrk's. It measures and asserts nothing about timing. Every wrk run and every
// loop here is bounded in count and time; the data directories it makes are deleted at the end
// unless --keep-data names where to keep the filled ones.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { UNLIMITED, sleep, freePort, run, servers, startServer, stopServer, memoryOf, cpuNsOf, storeCounters, api, signIn, round } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ratio = (a, b) => (a === null || b === null || !b ? null : round(a / b, 3));
const QUEUES = ['new', 'mine', 'overdue', 'awaiting', 'monitoring', 'all'];
const PLATFORM = 'douyin'; // the platform filter: the commonest platform in the reports
const CLIENTS = [1, 4, 16]; // concurrent submitting clients
const MAX_CASES_OPENED = 400; // cases the staff phase opens (and so can view and move), at most
const MAX_TARGETS = 400; // targets moved to notice_sent for the transition phase, at most
const MIN_ANSWERS = 10; // fewer answers in a wrk run give its rps but no latencies

// ---- arguments ----

function parseArgs(argv) {
  const o = { sizes: [1000, 100000, 1000000], seconds: 5, queueSeconds: 1, queueRounds: 3, threads: 8, connections: 64, queueConnections: 8 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--bench') o.bench = v;
    else if (k === '--build') o.build = v;
    else if (k === '--work') o.work = v;
    else if (k === '--keep-data') o.keep = path.resolve(v);
    else if (k === '--sizes') o.sizes = v === 'none' ? [] : v.split(',').map(Number);
    else if (k === '--seconds') o.seconds = Number(v);
    else if (k === '--queue-seconds') o.queueSeconds = Number(v);
    else if (k === '--queue-rounds') o.queueRounds = Number(v);
    else if (k === '--threads') o.threads = Number(v);
    else if (k === '--connections') o.connections = Number(v);
    else if (k === '--queue-connections') o.queueConnections = Number(v);
    else if (k === '--db') o.db = v;
    else if (k === '--nodes') o.nodes = Number(v);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!o.sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= 10000000)) throw new Error('--sizes: whole numbers 1-10000000');
  o.nodes = o.nodes || 1;
  if (![1, 2].includes(o.nodes) || (o.nodes > 1 && !o.db)) throw new Error('--nodes: 1, or 2 with --db (nodes share a PostgreSQL database)');
  o.sizes.sort((a, b) => a - b);
  for (const [k, v, hi] of [['--seconds', o.seconds, 30], ['--queue-seconds', o.queueSeconds, 30], ['--queue-rounds', o.queueRounds, 9], ['--queue-connections', o.queueConnections, 512]])
    if (!Number.isInteger(v) || v < 1 || v > hi) throw new Error(`${k} must be 1-${hi}`);
  return o;
}

// ---- processes ----

// Waits (at most a minute) until the server's slow-work pool is empty: wrk stops sending at the end
// of its run, but the reports and sign-ins it left queued still run and would slow the next phase.
async function settle(srv) {
  for (const until = Date.now() + 60000; Date.now() < until;) {
    const text = await (await fetch(srv.base + '/metrics', { signal: AbortSignal.timeout(10000) })).text();
    if (/^takedown_slow_work_load 0$/m.test(text)) return;
    await sleep(100);
  }
  throw new Error('the slow-work pool did not drain within a minute');
}

// ---- wrk ----

// Milliseconds from wrk's "1.23ms", "456.00us", "1.02s", "2.00m".
function ms(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) return null;
  return round(Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]], 3);
}

function parseWrk(out) {
  const num = (re) => { const m = re.exec(out); return m ? Number(m[1]) : null; };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = (num(/Non-2xx or 3xx responses: (\d+)/) || 0) + (sock ? sock.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0);
  const lat = (p) => { const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out); return m ? ms(m[1]) : null; };
  const requests = num(/(\d+) requests in/);
  // Too few answers for a latency distribution (a queue slower than the run is long): none.
  const few = requests === null || requests < MIN_ANSWERS;
  return { rps: round(num(/Requests\/sec:\s+([\d.]+)/)), requests, errors, p50_ms: few ? null : lat(50), p99_ms: few ? null : lat(99) };
}

// One bounded wrk run against url: {rps, requests, errors, p50_ms, p99_ms}.
function wrk(url, { connections, seconds, script, env = {}, headers = [], timeout = '5s' }) {
  const threads = Math.max(1, Math.min(os.cpus().length, connections));
  const args = ['-t' + threads, '-c' + connections, '-d' + seconds + 's', '--latency', '--timeout', timeout];
  if (script) args.push('-s', path.isAbsolute(script) ? script : path.join(HERE, script));
  for (const h of headers) args.push('-H', h);
  args.push(url);
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', args, { env: { ...process.env, BENCH_THREADS: String(threads), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => p.kill('SIGKILL'), (seconds + 30) * 1000);
    p.on('exit', (code) => {
      clearTimeout(killer);
      const r = parseWrk(out);
      if (process.env.BENCH_DEBUG) console.log(out); // wrk's own report of every run
      if (code !== 0 || r.rps === null) reject(new Error(`wrk ${url} failed (${code}):\n${out}`));
      else resolve(r);
    });
  });
}

// One wrk run spread over every node (the connections shared out), as a load balancer would: the
// rates and counts added up, the latencies the worst node's.
async function wrkNodes(all, p, opts) {
  const nodes = all.slice(0, Math.max(1, Math.min(all.length, opts.connections))); // 1 client: 1 node
  const each = Math.max(1, Math.round(opts.connections / nodes.length));
  const rs = await Promise.all(nodes.map((n) => wrk(n.base + p, { ...opts, connections: each })));
  if (rs.length === 1) return rs[0];
  const sum = (k) => round(rs.reduce((a, r) => a + (r[k] || 0), 0));
  const worst = (k) => (rs.some((r) => r[k] === null) ? null : Math.max(...rs.map((r) => r[k])));
  return { rps: sum('rps'), requests: sum('requests'), errors: sum('errors'), p50_ms: worst('p50_ms'), p99_ms: worst('p99_ms'), nodes: rs };
}

// With --db on a cluster of this machine: the CPU ticks of each of its server processes (the
// postmaster of the data directory's postmaster.pid and its children: one backend per takedownd
// connection), by pid; empty without --db or when the server runs elsewhere.
function pgTicks(o) {
  const ticks = {};
  if (!o.db) return ticks;
  if (o.pgPid === undefined) {
    const dir = pgValue(o, 'SHOW data_directory');
    try {
      o.pgPid = Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      o.pgPid = 0;
      console.log('(PostgreSQL runs elsewhere: its CPU is not counted)');
    }
  }
  if (!o.pgPid) return ticks;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' '); // f[1] ppid, f[11] utime, f[12] stime
      if (Number(p) === o.pgPid || Number(f[1]) === o.pgPid) ticks[p] = Number(f[11]) + Number(f[12]);
    } catch { /* a process that just ended */ }
  }
  return ticks;
}

// The CPU the processes alive at the second reading spent since the first (or since they began),
// in ns: a process that ended in between is not counted, so the figure is a lower bound.
function pgCpuNsBetween(before = {}, after = {}) {
  let t = 0;
  for (const [pid, v] of Object.entries(after)) t += v - (before[pid] ?? 0);
  return t * (1e9 / CLOCK_TICKS);
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

// storeCounters of every node, added up, and PostgreSQL's process ticks (dbTicks) with --db.
async function countersOf(nodes, o = {}) {
  const cs = await Promise.all(nodes.map(storeCounters));
  const sum = Object.fromEntries(Object.keys(cs[0]).map((k) => [k, cs.reduce((a, c) => a + (c[k] || 0), 0)]));
  return { ...sum, dbTicks: pgTicks(o) };
}

// What the answers of one wrk run cost the server, from two storeCounters readings around it: CPU
// time of every thread per answer, and per write transaction the writer's CPU time, the pages
// written to the log and how many transactions shared a commit. Counted, not timed: the figures
// that say where a rate's limit lies on this machine.
function costPerAnswer(before, after, answers) {
  const tx = after.tx - before.tx;
  const db = pgCpuNsBetween(before.dbTicks, after.dbTicks);
  return {
    cpu_us: answers ? round((after.cpuNs - before.cpuNs + db) / 1e3 / answers, 1) : null,
    db_cpu_us: answers && db ? round(db / 1e3 / answers, 1) : null,
    writer_cpu_us: tx ? round(((after.writerS - before.writerS) * 1e6) / tx, 1) : null,
    log_pages: tx ? round((after.pages - before.pages) / tx, 1) : null,
    tx_per_commit: after.commits > before.commits ? round(tx / (after.commits - before.commits), 2) : null,
  };
}

const describeCost = (c) => (c.db_cpu_us
  ? `server CPU ${c.cpu_us} µs an answer, PostgreSQL's processes ${c.db_cpu_us} of it`
  : `server CPU ${c.cpu_us} µs an answer; writer CPU ${c.writer_cpu_us} µs, ${c.log_pages} log pages a transaction, ${c.tx_per_commit} transactions a commit`);

// ---- HTTP for preparation (not measured) ----

// ---- figures ----

// psql's one answer on o.db (PostgreSQL), or null.
function pgValue(o, query) {
  const r = run('psql', ['-X', '-A', '-t', '-c', query, o.db]);
  return r.status === 0 ? r.stdout.trim() : null;
}

function dbBytes(dir, o = {}) {
  // PostgreSQL: the tables of the schema with their indexes and TOAST (not the catalog's 7-8 MB).
  if (o.db) return Number(pgValue(o, "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"));
  let n = 0;
  for (const f of ['takedown.db', 'takedown.db-wal']) if (existsSync(path.join(dir, f))) n += statSync(path.join(dir, f)).size;
  return n;
}

function caseCount(dir, o = {}) {
  if (o.db) return Number(pgValue(o, 'SELECT count(*) FROM cases'));
  const r = run('sqlite3', ['-readonly', path.join(dir, 'takedown.db'), 'SELECT count(*) FROM cases;']);
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

// ---- phase 1: submissions, receipt sign-ins, case view, transitions, /healthz (a fresh dir) ----

function submittedLines(dir) {
  return readdirSync(dir).filter((f) => f.startsWith('submitted.')).flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean));
}

async function submitRuns(o, nodes, keepDir, out) {
  const srv = nodes[0];
  for (const c of CLIENTS) {
    console.log(`== submit_per_s_${c}: POST /api/v1/cases, ${c} client(s), ${o.seconds} s`);
    const load = wrkNodes(nodes, '/', { connections: c, seconds: o.seconds, script: 'submit.lua', env: { BENCH_KEEP: keepDir }, timeout: '20s' });
    // With the most clients, a probe of /healthz alongside (one connection, one request per 10 ms).
    const probe = c === CLIENTS[CLIENTS.length - 1]
      ? sleep(500).then(() => wrk(srv.base + '/healthz', { connections: 1, seconds: Math.max(1, o.seconds - 1), script: 'healthz.lua' }))
      : null;
    const r = await load;
    if (probe) await probe;
    for (const n of nodes) await settle(n);
    out[`submit_per_s_${c}`] = r.rps;
    out.submit_errors = (out.submit_errors || 0) + r.errors;
    out.submit_detail[c] = r;
    console.log(`${r.rps}/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ${r.errors} errors`);
    if (probe) {
      const h = await probe; // done before the settling above
      out.healthz_p99_ms_under_submit_load = h.p99_ms;
      out.healthz_detail = h;
      console.log(`/healthz alongside: p50 ${h.p50_ms} ms, p99 ${h.p99_ms} ms, ${h.errors} errors`);
    }
  }
  out.submit_per_s = Math.max(...CLIENTS.map((c) => out[`submit_per_s_${c}`] ?? 0));
}

// Opens up to MAX_CASES_OPENED submitted cases as staff (the first view re-wraps the case key;
// the measured views are the later ones) and moves up to MAX_TARGETS of their online targets to
// notice_sent. Returns {paths, targets}.
async function prepareCasework(srv, staff, lines) {
  const paths = [];
  const targets = [];
  for (const line of lines.slice(0, MAX_CASES_OPENED)) {
    const caseId = line.split(' ')[0];
    const p = `/api/v1/staff/cases/${caseId}`;
    const v = await api(srv.base, 'GET', p, staff);
    if (v.status !== 200) throw new Error(`case view: ${v.status}`);
    paths.push(p);
    const t = v.body.targets.find((x) => x.kind === 'online' && x.state === 'reported');
    if (!t || targets.length >= MAX_TARGETS) continue;
    for (const to of ['in_review', 'ready', 'notice_sent']) {
      const body = to === 'notice_sent' ? { to, reason: '未经同意拍摄并传播' } : { to };
      const r = await api(srv.base, 'POST', `/api/v1/staff/targets/${t.id}/transition`, { ...staff, json: body });
      if (r.status !== 200) throw new Error(`transition to ${to}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    targets.push(t.id);
  }
  return { paths, targets };
}

async function phaseIntake(o, out) {
  const dir = path.join(o.work, 'intake');
  const password = 'Bench-' + randomBytes(12).toString('hex');
  const db = o.db ? ['--db', o.db] : [];
  const init = run(path.join(o.build, 'takedownctl'), ['init', '--data-dir', dir, '--admin', 'admin', ...db], { input: `${password}\n${password}\n` });
  if (init.status !== 0) throw new Error(`takedownctl init: ${init.stderr}`); // stdout holds the recovery key: never shown
  const srv = await startServer(o, dir);
  // --nodes 2: a second takedownd on the same data dir and database, started after the first.
  const nodes = [srv, ...(o.nodes > 1 ? [await startServer(o, dir)] : [])];
  await sleep(1000);
  out.rss_idle_mb = memoryOf(srv).rss_mb;
  console.log(`== rss_idle_mb: ${out.rss_idle_mb} (VmRSS of an idle takedownd on a fresh data dir; the queue phase adds each size's)`);
  const keepDir = path.join(o.work, 'kept');
  mkdirSync(keepDir);
  await submitRuns(o, nodes, keepDir, out);

  const lines = submittedLines(keepDir);
  const receipts = path.join(o.work, 'receipts');
  writeFileSync(receipts, lines.join('\n') + '\n', { mode: 0o600 });
  console.log(`== receipt_login: POST /api/v1/receipt/session with ${lines.length} receipts, 4 clients, ${o.seconds} s`);
  const rl = await wrkNodes(nodes, '/', { connections: 4, seconds: o.seconds, script: 'receipt.lua', env: { BENCH_RECEIPTS: receipts }, timeout: '20s' });
  out.receipt_login_per_s = rl.rps;
  out.receipt_login_p50_ms = rl.p50_ms;
  out.receipt_login_detail = rl;
  for (const n of nodes) await settle(n);
  console.log(`${rl.rps}/s, p50 ${rl.p50_ms} ms, ${rl.errors} errors`);

  const staff = await signIn(srv.base, 'admin', password);
  const { paths, targets } = await prepareCasework(srv, staff, lines);
  const pathsFile = path.join(o.work, 'paths');
  writeFileSync(pathsFile, paths.join('\n') + '\n');
  console.log(`== case_view_rps: GET /api/v1/staff/cases/{case} over ${paths.length} cases, -c${o.connections}, ${o.seconds} s`);
  const cv = await wrkNodes(nodes, '/', { connections: o.connections, seconds: o.seconds, script: 'paths.lua', env: { BENCH_PATHS: pathsFile, BENCH_COOKIE: staff.cookie } });
  out.case_view_rps = cv.rps;
  out.case_view_detail = cv;
  console.log(`${cv.rps}/s, p50 ${cv.p50_ms} ms, p99 ${cv.p99_ms} ms, ${cv.errors} errors`);

  const targetsFile = path.join(o.work, 'targets');
  writeFileSync(targetsFile, targets.join('\n') + '\n');
  const tc = Math.min(16, Math.max(1, Math.floor(targets.length / 8))); // a target comes round only when its last move is done
  console.log(`== transition_per_s: notice_sent <-> needs_info over ${targets.length} targets, -c${tc}, ${o.seconds} s`);
  const trBefore = await countersOf(nodes, o);
  // Two nodes take turns over the same targets: each wrk keeps to its half, so that no target
  // comes round on one node while its last move is still on the other.
  const halves = nodes.map((n, i) => {
    const f = path.join(o.work, `targets.${i}`);
    writeFileSync(f, targets.filter((_, k) => k % nodes.length === i).join('\n') + '\n');
    return f;
  });
  const trs = await Promise.all(nodes.map((n, i) => wrk(n.base + '/', { connections: Math.max(1, Math.round(tc / nodes.length)), seconds: o.seconds, script: 'transition.lua', env: { BENCH_TARGETS: halves[i], BENCH_COOKIE: staff.cookie, BENCH_CSRF: staff.csrf } })));
  const tr = trs.length === 1 ? trs[0] : { rps: round(trs.reduce((a, r) => a + r.rps, 0)), requests: trs.reduce((a, r) => a + r.requests, 0), errors: trs.reduce((a, r) => a + r.errors, 0), p50_ms: Math.max(...trs.map((r) => r.p50_ms)), p99_ms: Math.max(...trs.map((r) => r.p99_ms)), nodes: trs };
  out.transition_per_s = tr.rps;
  out.transition_detail = tr;
  out.transition_errors = tr.errors;
  out.transition_cost = costPerAnswer(trBefore, await countersOf(nodes, o), tr.requests);
  console.log(`${tr.rps}/s, p50 ${tr.p50_ms} ms, p99 ${tr.p99_ms} ms, ${tr.errors} errors; ${describeCost(out.transition_cost)}`);

  if (o.queuesHere) {
    const n = lines.length;
    console.log(`== queues at the ${n} cases submitted (no bench_fill to fill bigger data dirs), -c${o.queueConnections}, ${o.queueRounds} rounds of ${o.queueSeconds} s each`);
    out.queue = { [n]: { cases: n, fill_seconds: 0, db_bytes_per_case: Math.round(dbBytes(dir, o) / n), queues: await measureQueues(o, srv, staff) } };
  }
  out.rss_peak_mb = Math.max(out.rss_peak_mb || 0, ...nodes.map((n) => memoryOf(n).hwm_mb));
  for (const n of nodes) await stopServer(n);
  const cases = caseCount(dir, o);
  out.intake_cases = cases;
  out.intake_db_bytes_per_case = cases ? Math.round(dbBytes(dir, o) / cases) : null;
  rmSync(dir, { recursive: true, force: true });
}

// ---- phase 2: the queues at each size (benchmark data dirs from bench_fill) ----

function fill(o, dir, cases) {
  const t0 = Date.now();
  // Its progress (stderr) shows as it goes: a million cases take minutes.
  const r = spawnSync(path.join(o.build, 'bench_fill'), ['--data-dir', dir, '--cases', String(cases)],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 60 * 60 * 1000 });
  if (r.status !== 0) throw new Error(`bench_fill --cases ${cases} failed (${r.error ? r.error.message : r.status})`);
  return round((Date.now() - t0) / 1000);
}

// The data dir for a size: grown in place in a temporary dir, or with --keep-data one kept dir per
// size (DIR/cases-N), reused when it is there, else copied from the largest smaller one and grown.
function dirFor(o, size, previous) {
  if (!o.keep) return { dir: path.join(o.work, 'cases'), fresh: true };
  const dir = path.join(o.keep, `cases-${size}`);
  if (existsSync(path.join(dir, 'BENCHMARK-DATA'))) return { dir, fresh: false };
  mkdirSync(o.keep, { recursive: true });
  if (previous) cpSync(previous, dir, { recursive: true });
  return { dir, fresh: true };
}

// The first caseworker of DIR/bench-staff.json ({"admin": {login, password}, "caseworkers": [...]}):
// the queues as a caseworker sees them, "mine" with the cases the generator assigned to them.
function staffOf(dir) {
  const j = JSON.parse(readFileSync(path.join(dir, 'bench-staff.json'), 'utf8'));
  const who = (j.caseworkers && j.caseworkers[0]) || j.admin;
  return { login: who.login, password: who.password };
}

function queueUrls() {
  const urls = [];
  for (const q of QUEUES) {
    urls.push([`api:${q}`, `/api/v1/staff/cases?queue=${q}`]);
    urls.push([`page:${q}`, `/staff?queue=${q}`]);
    urls.push([`api:${q}:platform`, `/api/v1/staff/cases?queue=${q}&platform=${PLATFORM}`]);
    urls.push([`page:${q}:platform`, `/staff?queue=${q}&platform=${PLATFORM}`]);
  }
  return urls;
}

const least = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined);
  return v.length ? Math.min(...v) : null;
};

const median = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  return v.length ? v[Math.floor((v.length - 1) / 2)] : null;
};

// Every queue, API and page, without and with the platform filter: {name: {rps, p50_ms, ...}}.
// Each variant runs --queue-rounds times for --queue-seconds, the rounds interleaved (every
// variant once, then every variant again), and its figures are the medians of its rounds: a
// moment's disturbance (another process, a background tick) then spoils one round of a few
// variants, not a variant's only measurement.
async function measureQueues(o, srv, staff) {
  const figures = {};
  const rounds = {};
  for (const [name, p] of queueUrls()) {
    // Once by hand first: a 303 to the sign-in page would count as an answer in wrk's figures.
    const t0 = performance.now();
    const first = await api(srv.base, 'GET', p, staff).catch((e) => {
      if (e.name === 'TimeoutError') return null; // no answer in two minutes
      throw e;
    });
    const alone = performance.now() - t0;
    if (!first) {
      figures[name] = { rps: 0, p50_ms: null, p99_ms: null, cpu_us: null, requests: 0, errors: 1, timed_alone: true };
      console.log(`${name.padEnd(24)} no answer within ${round(alone / 1000)} s`);
      continue;
    }
    if (first.status !== 200) throw new Error(`${p}: ${first.status}`);
    if (alone > o.queueSeconds * 1000) {
      // Slower than a whole run: wrk would see no answer. The one request, timed alone, instead.
      const ms1 = round(alone, 2);
      figures[name] = { rps: round(1000 / alone, 3), p50_ms: ms1, p99_ms: ms1, alone_p50_ms: ms1, alone_p99_ms: ms1, cpu_us: null, requests: 1, errors: 0, timed_alone: true };
      console.log(`${name.padEnd(24)} one request took ${ms1} ms, longer than a run: timed alone`);
      continue;
    }
    rounds[name] = [];
  }
  const light = {}; // name -> the rounds with one connection
  for (let k = 0; k < o.queueRounds; k++) {
    for (const [name, p] of queueUrls()) {
      if (!rounds[name]) continue;
      const headers = [`Cookie: td_session=${staff.cookie}`];
      const cpu0 = cpuNsOf(srv);
      const r = await wrk(srv.base + p, { connections: o.queueConnections, seconds: o.queueSeconds, headers, timeout: '10s' });
      // The server's CPU per answer: the work a page takes, which a busy machine moves far less
      // than it moves a p99 (wrk's own threads run on the same cores, but not in this process).
      r.cpu_us = r.requests ? round((cpuNsOf(srv) - cpu0) / 1e3 / r.requests, 1) : null;
      rounds[name].push(r);
      // Then one request at a time: how long a page takes when it does not wait behind seven
      // others for two cores, the latency that grows if a page's work grows with the cases.
      (light[name] ||= []).push(await wrk(srv.base + p, { connections: 1, seconds: o.queueSeconds, headers, timeout: '10s' }));
    }
  }
  for (const [name, rs] of Object.entries(rounds)) {
    figures[name] = {
      rps: median(rs.map((r) => r.rps)), p50_ms: median(rs.map((r) => r.p50_ms)), p99_ms: median(rs.map((r) => r.p99_ms)),
      cpu_us: median(rs.map((r) => r.cpu_us)),
      requests: rs.reduce((n, r) => n + r.requests, 0), errors: rs.reduce((n, r) => n + r.errors, 0),
      rounds: rs.map((r) => ({ rps: r.rps, p50_ms: r.p50_ms, p99_ms: r.p99_ms })),
      // The least disturbed round's p99: anything else on the machine only adds to a round's tail,
      // while a page whose work grew with the cases would be slower in every round.
      alone_p50_ms: median(light[name].map((r) => r.p50_ms)), alone_p99_ms: least(light[name].map((r) => r.p99_ms)),
      alone_rounds: light[name].map((r) => ({ rps: r.rps, p50_ms: r.p50_ms, p99_ms: r.p99_ms })),
    };
    const f = figures[name];
    f.errors += light[name].reduce((n, r) => n + r.errors, 0);
    console.log(`${name.padEnd(24)} ${String(f.rps).padStart(9)}/s  p50 ${f.p50_ms} ms  p99 ${f.p99_ms} ms  ${f.cpu_us} µs CPU  ${f.errors} errors  (medians of ${rs.length}; p99s ${rs.map((r) => r.p99_ms).join(', ')}); one at a time: p50 ${f.alone_p50_ms} ms, p99 ${f.alone_p99_ms} ms (least of ${light[name].map((r) => r.p99_ms).join(', ')})`);
  }
  return figures;
}

async function phaseQueues(o, out) {
  out.queue = {};
  let previous = null;
  for (const size of o.sizes) {
    const { dir, fresh } = dirFor(o, size, previous);
    const fillSeconds = fresh || caseCount(dir) < size ? fill(o, dir, size) : 0;
    previous = dir;
    const cases = caseCount(dir);
    console.log(`== queues at ${cases} cases (${fillSeconds ? `filled in ${fillSeconds} s` : 'kept data'}), -c${o.queueConnections}, ${o.queueRounds} rounds of ${o.queueSeconds} s each`);
    const srv = await startServer(o, dir, ['--bench-receipt-kdf-min']);
    await sleep(1000);
    const idle = memoryOf(srv).rss_mb; // before any sign-in: an Argon2id would add its 64 MiB
    out.rss_idle_mb = Math.max(out.rss_idle_mb, idle);
    const { login, password } = staffOf(dir);
    const staff = await signIn(srv.base, login, password);
    const figures = await measureQueues(o, srv, staff);
    out.rss_peak_mb = Math.max(out.rss_peak_mb || 0, memoryOf(srv).hwm_mb);
    await stopServer(srv);
    out.queue[size] = { cases, fill_seconds: fillSeconds, db_bytes_per_case: Math.round(dbBytes(dir) / cases), rss_idle_mb: idle, queues: figures };
  }
  if (!o.keep) rmSync(path.join(o.work, 'cases'), { recursive: true, force: true });
}

// Submissions with the receipt KDF at libsodium's minimum, on an empty benchmark data dir of its own
// (--bench-receipt-kdf-min refuses any other): everything a submission costs but the Argon2id.
async function phaseKdfMin(o, out) {
  const dir = path.join(o.work, 'kdfmin');
  fill(o, dir, 0); // an empty benchmark data dir: its marker is what the flag asks for
  const srv = await startServer(o, dir, ['--bench-receipt-kdf-min']);
  const c = CLIENTS[CLIENTS.length - 1];
  console.log(`== submit_per_s_kdf_min: POST /api/v1/cases, receipt KDF at its minimum, ${c} clients, ${o.seconds} s`);
  const before = await storeCounters(srv);
  const r = await wrk(srv.base + '/', { connections: c, seconds: o.seconds, script: 'submit.lua', timeout: '20s' });
  out.submit_per_s_kdf_min = r.rps;
  out.submit_kdf_min_detail = r;
  await settle(srv);
  out.submit_kdf_min_cost = costPerAnswer(before, await storeCounters(srv), r.requests);
  console.log(`${r.rps}/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ${r.errors} errors; ${describeCost(out.submit_kdf_min_cost)}`);
  out.rss_peak_mb = Math.max(out.rss_peak_mb || 0, memoryOf(srv).hwm_mb);
  await stopServer(srv);
  rmSync(dir, { recursive: true, force: true });
}

// ---- the summary ----

// The queue figures across sizes: per variant rps, p50, p99 at each size, the ratio at the largest
// size to the HTTP ceiling and the scaling of p99 from the smallest size to the largest; the
// top-level figures are the worst variant's (lowest rps, highest scaling), so one slow queue or
// filter cannot hide behind the others.
function summarizeQueues(out, ceilingHttp) {
  const sizes = Object.keys(out.queue || {}).map(Number).sort((a, b) => a - b);
  if (!sizes.length) return;
  const lo = out.queue[sizes[0]].queues, hi = out.queue[sizes[sizes.length - 1]].queues;
  let worst = null, worstScaling = null;
  for (const name of Object.keys(hi)) {
    hi[name].ratio = ratio(hi[name].rps, ceilingHttp);
    // The p99 of pages asked one at a time, its least disturbed round: under eight connections on
    // two cores a p99 is mostly the wait for a core, which moves 2-3 times between runs minutes
    // apart (docs/decisions.md, "What the benchmark counts").
    hi[name].scaling = ratio(hi[name].alone_p99_ms ?? null, lo[name]?.alone_p99_ms ?? null);
    hi[name].loaded_scaling = ratio(hi[name].p99_ms, lo[name]?.p99_ms);
    hi[name].cpu_scaling = ratio(hi[name].cpu_us, lo[name]?.cpu_us);
    if (!worst || hi[name].rps < hi[worst].rps) worst = name;
    if (hi[name].scaling !== null && (!worstScaling || hi[name].scaling > hi[worstScaling].scaling)) worstScaling = name;
  }
  const top = sizes[sizes.length - 1];
  out.queue_sizes = sizes;
  out.queue_rps = hi[worst].rps;
  out.queue_p50_ms = hi[worst].p50_ms;
  out.queue_p99_ms = hi[worst].p99_ms;
  out.queue_worst = worst;
  out.queue_ratio = hi[worst].ratio;
  out.queue_scaling = worstScaling ? hi[worstScaling].scaling : null;
  out.queue_scaling_worst = worstScaling;
  // A p99 of a 2 s run on a shared machine is noisy, and the worst of 24 ratios picks the noise:
  // the median ratio and the "all" queue's say how the typical queue scales.
  const scalings = Object.values(hi).map((q) => q.scaling).filter((x) => x !== null).sort((a, b) => a - b);
  out.queue_scaling_median = scalings.length ? scalings[Math.floor((scalings.length - 1) / 2)] : null;
  out.queue_scaling_all = hi['api:all'] ? hi['api:all'].scaling : null;
  const loaded = Object.entries(hi).filter(([, q]) => q.loaded_scaling !== null).sort((a, b) => a[1].loaded_scaling - b[1].loaded_scaling);
  out.queue_scaling_loaded = loaded.length ? loaded[loaded.length - 1][1].loaded_scaling : null;
  out.queue_scaling_loaded_worst = loaded.length ? loaded[loaded.length - 1][0] : null;
  out.queue_scaling_loaded_median = loaded.length ? loaded[Math.floor((loaded.length - 1) / 2)][1].loaded_scaling : null;
  // The work a page takes, from the smallest size to the largest: CPU per answer at the largest /
  // at the smallest, the worst variant's and the median. A page that scanned or sorted the cases
  // would show here as a factor of hundreds; noise moves it by tens of percent, not by that.
  const cpuScalings = Object.entries(hi).filter(([, q]) => q.cpu_scaling !== null && q.cpu_scaling !== undefined).sort((a, b) => a[1].cpu_scaling - b[1].cpu_scaling);
  out.queue_cpu_scaling = cpuScalings.length ? cpuScalings[cpuScalings.length - 1][1].cpu_scaling : null;
  out.queue_cpu_scaling_worst = cpuScalings.length ? cpuScalings[cpuScalings.length - 1][0] : null;
  out.queue_cpu_scaling_median = cpuScalings.length ? cpuScalings[Math.floor((cpuScalings.length - 1) / 2)][1].cpu_scaling : null;
  out.queue_ratio_at_cases = out.queue[top].cases;
  out.db_bytes_per_case = out.queue[top].db_bytes_per_case;
  for (const s of sizes) {
    const qs = out.queue[s].queues;
    out[`queue_rps_${s}`] = Math.min(...Object.values(qs).map((q) => q.rps));
    const p99s = Object.values(qs).map((q) => q.p99_ms).filter((x) => x !== null);
    out[`queue_p99_ms_${s}`] = p99s.length ? Math.max(...p99s) : null;
  }
}

function printTable(b) {
  const rows = [];
  const row = (name, value, vs, note = '') => rows.push(`| ${name} | ${value ?? '—'} | ${vs ?? '—'} | ${note} |`);
  const argonPerS = b.ceiling_argon2_ms ? round((b.machine.cores * 1000) / b.ceiling_argon2_ms) : null;
  const cname = b.ceiling_pg_commit_per_s !== undefined ? 'ceiling_pg_commit_per_s' : 'ceiling_commit_per_s';
  row('ceiling_http_rps', b.ceiling_http_rps, null, 'bare libmicrohttpd');
  row('ceiling_commit_per_s', b.ceiling_commit_per_s, null, 'SQLite WAL, synchronous=FULL');
  if (b.ceiling_pg_commit_per_s !== undefined) row('ceiling_pg_commit_per_s', b.ceiling_pg_commit_per_s, null, `PostgreSQL, one client (pgbench), ${b.pg_settings}; the write ratios below are to it`);
  row('store', b.store, null, 'where the service phases ran');
  row('ceiling_argon2_ms', b.ceiling_argon2_ms, null, `so ${argonPerS} Argon2id/s on ${b.machine.cores} cores`);
  for (const c of CLIENTS) row(`submit_per_s_${c}`, b[`submit_per_s_${c}`], ratio(b[`submit_per_s_${c}`], argonPerS), `${c} client(s); ratio to cores × 1000 / argon2 ms`);
  row('submit_per_s (best)', b.submit_per_s, b.submit_ratio, `submit_ratio; ${b.submit_errors} errors`);
  row('submit_per_s_kdf_min', b.submit_per_s_kdf_min, b.submit_kdf_min_ratio, `receipt KDF at its minimum; ratio to ${cname}`);
  if (b.submit_kdf_min_cost) row('… server CPU µs a report', b.submit_kdf_min_cost.cpu_us, b.submit_kdf_min_cpu_bound_ratio, `ratio: cores × 10⁶ / µs, to ${cname} (the most the CPU allows); writer ${b.submit_kdf_min_cost.writer_cpu_us} µs, ${b.submit_kdf_min_cost.log_pages} pages, ${b.submit_kdf_min_cost.tx_per_commit} a commit`);
  row('receipt_login_per_s', b.receipt_login_per_s, ratio(b.receipt_login_per_s, argonPerS), `p50 ${b.receipt_login_p50_ms} ms; ratio to Argon2id/s`);
  row('healthz_p99_ms_under_submit_load', b.healthz_p99_ms_under_submit_load, null, `while ${CLIENTS[CLIENTS.length - 1]} clients submit`);
  row('case_view_rps', b.case_view_rps, ratio(b.case_view_rps, b.ceiling_http_rps), 'ratio to ceiling_http_rps');
  row('transition_per_s', b.transition_per_s, b.transition_ratio, `transition_ratio: to ${cname}`);
  const costNote = (c) => (b.ceiling_pg_commit_per_s !== undefined ? `PostgreSQL's processes ${c.db_cpu_us ?? '—'} µs of it` : `writer ${c.writer_cpu_us} µs, ${c.log_pages} pages, ${c.tx_per_commit} a commit`);
  if (b.transition_cost) row('… server CPU µs a transition', b.transition_cost.cpu_us, b.transition_cpu_bound_ratio, `ratio: cores × 10⁶ / µs, to ${cname} (the most the CPU allows); ${costNote(b.transition_cost)}`);
  for (const s of b.queue_sizes || []) {
    const q = b.queue[s];
    row(`queue at ${q.cases} cases: worst rps`, b[`queue_rps_${s}`], ratio(b[`queue_rps_${s}`], b.ceiling_http_rps), `worst p99 ${b[`queue_p99_ms_${s}`]} ms; ${q.db_bytes_per_case} DB bytes/case`);
  }
  if (b.queue_sizes) {
    row('queue_ratio', b.queue_rps, b.queue_ratio, `${b.queue_worst} at ${b.queue_ratio_at_cases} cases, p50 ${b.queue_p50_ms} ms, p99 ${b.queue_p99_ms} ms`);
    row('queue_scaling', b.queue_scaling, null, `p99 one request at a time (least disturbed round) at ${b.queue_sizes[b.queue_sizes.length - 1]} / at ${b.queue_sizes[0]} cases, worst: ${b.queue_scaling_worst}; median ${b.queue_scaling_median}, api:all ${b.queue_scaling_all}`);
    row('queue_scaling_loaded', b.queue_scaling_loaded, null, `the same with ${b.config?.queue_connections ?? ''} connections, worst: ${b.queue_scaling_loaded_worst}; median ${b.queue_scaling_loaded_median}`);
    row('queue_cpu_scaling', b.queue_cpu_scaling, null, `server CPU per answer at ${b.queue_sizes[b.queue_sizes.length - 1]} / at ${b.queue_sizes[0]} cases, worst: ${b.queue_cpu_scaling_worst}; median ${b.queue_cpu_scaling_median}`);
  }
  row('rss_idle_mb', b.rss_idle_mb, null, 'VmRSS 1 s after start, before any sign-in; highest over the fresh dir and every size');
  row('rss_peak_mb', b.rss_peak_mb, null, 'VmHWM, highest of the run');
  row('db_bytes_per_case', b.db_bytes_per_case, null, b.ceiling_pg_commit_per_s !== undefined ? "the schema's tables with their indexes and TOAST / cases" : 'takedown.db + WAL / cases at the largest size');
  console.log('\n| figure | value | ratio | note |\n| --- | ---: | ---: | --- |\n' + rows.join('\n'));
  if (b.queue_sizes) {
    const sizes = b.queue_sizes;
    console.log(`\n| queue | ${sizes.map((s) => `rps / p50 / p99 ms (p99 one at a time) at ${b.queue[s].cases}`).join(' | ')} | ratio | scaling | loaded scaling |`);
    console.log(`| --- | ${sizes.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`);
    const top = b.queue[sizes[sizes.length - 1]].queues;
    for (const name of Object.keys(top)) {
      const cells = sizes.map((s) => { const q = b.queue[s].queues[name]; return `${q.rps} / ${q.p50_ms} / ${q.p99_ms} (${q.alone_p99_ms})${q.timed_alone ? ' (alone)' : ''}`; });
      console.log(`| ${name} | ${cells.join(' | ')} | ${top[name].ratio} | ${top[name].scaling} | ${top[name].loaded_scaling} |`);
    }
    if (sizes.some((s) => Object.values(b.queue[s].queues).some((q) => q.timed_alone)))
      console.log('\n(alone): one request took longer than a whole wrk run, so it was timed by itself (rps = 1000 / its ms)');
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  o.build = path.resolve(o.build || 'build');
  const ownWork = !o.work;
  o.work = o.work || mkdtempSync(path.join(os.tmpdir(), 'takedown-bench-svc.'));
  const b = JSON.parse(readFileSync(o.bench, 'utf8'));
  const out = { submit_detail: {} };
  // PostgreSQL (--db): the service phases and the queues at the cases they made; bench_fill's
  // benchmark data dirs and the minimum-KDF run are SQLite's.
  const haveFill = !o.db && existsSync(path.join(o.build, 'bench_fill'));
  o.queuesHere = !haveFill && o.sizes.length > 0;
  try {
    await phaseIntake(o, out);
    if (haveFill) await phaseKdfMin(o, out);
    else console.log('== submit_per_s_kdf_min: skipped (no bench_fill in the build)');
    if (haveFill && o.sizes.length) await phaseQueues(o, out);
  } finally {
    for (const srv of [...servers]) await stopServer(srv);
    if (ownWork) rmSync(o.work, { recursive: true, force: true });
  }
  const argonPerS = b.ceiling_argon2_ms ? (b.machine.cores * 1000) / b.ceiling_argon2_ms : null;
  out.submit_ratio = ratio(out.submit_per_s, argonPerS);
  // The write paths' ceiling is the store's own durable commit: PostgreSQL's with --db.
  const commitCeiling = o.db ? b.ceiling_pg_commit_per_s ?? null : b.ceiling_commit_per_s;
  out.store = o.db ? `postgresql, ${o.nodes} node(s)` : 'sqlite';
  out.submit_kdf_min_ratio = ratio(out.submit_per_s_kdf_min ?? null, commitCeiling);
  out.transition_ratio = ratio(out.transition_per_s, commitCeiling);
  // The most the cores could answer if the server's CPU per answer were all there was (wrk, the
  // kernel's writes and every wait cost nothing), against the same ceiling: the ratio's upper bound
  // on this machine.
  const cpuBound = (cost) => (cost && cost.cpu_us ? ratio((b.machine.cores * 1e6) / cost.cpu_us, commitCeiling) : null);
  out.transition_cpu_bound_ratio = cpuBound(out.transition_cost);
  out.submit_kdf_min_cpu_bound_ratio = cpuBound(out.submit_kdf_min_cost);
  summarizeQueues(out, b.ceiling_http_rps);
  if (out.db_bytes_per_case === undefined) out.db_bytes_per_case = out.intake_db_bytes_per_case;
  for (const k of ['submit_per_s_kdf_min', 'submit_kdf_min_ratio', 'queue_rps', 'queue_p50_ms', 'queue_p99_ms', 'queue_ratio', 'queue_scaling'])
    if (out[k] === undefined) out[k] = null;
  const ceilings = Object.fromEntries(Object.entries(b).filter(([k]) => /^(ceiling_|spread$|config$|machine$|commit$|date$|pg_settings$)/.test(k)));
  const merged = { ...ceilings, ...out };
  merged.config = { ...b.config, service_threads: o.threads, service_seconds: o.seconds, queue_seconds: o.queueSeconds, queue_rounds: o.queueRounds, submit_clients: CLIENTS, queue_connections: o.queueConnections, platform_filter: PLATFORM };
  writeFileSync(o.bench, JSON.stringify(merged, null, 2) + '\n');
  printTable(merged);
}

process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
process.on('exit', () => { for (const srv of servers) srv.proc.kill('SIGKILL'); });
main().catch((e) => {
  console.error('bench: ' + e.message);
  process.exitCode = 1;
});
