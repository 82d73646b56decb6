// The soak (issue 12; README, "Benchmark"): the real takedownd on 127.0.0.1 under a steady mix of
// what a centre does all day, for --minutes (default 30): reports, receipt sign-ins, staff queue
// pages and case views, transitions, and link checks against a fake platform on 127.0.0.1. Every
// minute it samples the process's RSS, each kind's p50/p99 latency and the answers by status
// class, prints a line and keeps it in soak.json. At the end it compares the last five minutes
// with the first five after the first (warm-up) minute (medians of the minutes). It asserts no
// timing; it fails when any request got a 5xx or no answer, which must never happen. Every loop
// is paced and bounded.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { api, memoryOf, round, run, servers, signIn, sleep, startServer, stopServer } from './lib.mjs';

function parseArgs(argv) {
  const o = { minutes: 30, build: 'build', out: 'soak.json', threads: 8 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--minutes') o.minutes = Number(v);
    else if (k === '--build') o.build = path.resolve(v);
    else if (k === '--out') o.out = v;
    else throw new Error(`unknown argument ${k}`);
  }
  if (!Number.isInteger(o.minutes) || o.minutes < 3 || o.minutes > 180) throw new Error('--minutes must be 3-180');
  o.build = path.resolve(o.build);
  return o;
}

// What each kind of work does per second (a national centre's busy hour, well inside the
// machine: the point is a long steady run, not a peak).
const RATES = { report: 2, receipt: 1, staff_page: 8, case_view: 8, transition: 4, check: 1 };

// ---- the fake platform: a video page per id, gone once "removed" ----

function startPlatform() {
  const gone = new Set();
  const server = http.createServer((req, res) => {
    const m = /^\/v\/(\d+)/.exec(req.url);
    if (m && gone.has(m[1])) {
      res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end('<html><p>视频不存在</p></html>');
    }
    res.writeHead(m ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(m ? '<html>video</html>' : '<html>no</html>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, gone, port: server.address().port })));
}

// ---- counting ----

function newMinute() {
  return { lat: Object.fromEntries(Object.keys(RATES).map((k) => [k, []])), classes: {}, refused: {}, failed: 0 };
}

const pct = (xs, p) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))], 2);
};

// ---- the load ----

function reportBody(n, platformPort) {
  return {
    language: n % 3 ? 'zh-CN' : 'en',
    requester: { role: 'self', name: '王小明', contact: { channel: 'phone', value: `+86 139-${String(n % 10000).padStart(4, '0')}-0000`, safe_hours: '晚上八点以后', may_leave_message: false } },
    incident: { type: n % 2 ? 'crime' : 'intimate', date: '2026-11-01', place: '上海', police_case_no: `SH-${n}` },
    description: '视频被传到网上。',
    consent: { share_identity_with_platform: true, preservation: 'fingerprint' },
    good_faith: true,
    signature: '王小明',
    targets: [
      { kind: 'online', url: `http://127.0.0.1:${platformPort}/v/${n}`, note: '播放量很高' },
      { kind: 'offline', holder: '便利店老板', where: '南京路一家便利店的监控' },
    ],
    fingerprints: [{ alg: 'sha256', value: randomBytes(32).toString('hex') }],
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  o.work = mkdtempSync(path.join(os.tmpdir(), 'takedown-soak-'));
  const dir = path.join(o.work, 'data');
  const password = 'Soak-' + randomBytes(12).toString('hex');
  const init = run(path.join(o.build, 'takedownctl'), ['init', '--data-dir', dir, '--admin', 'admin'], { input: `${password}\n${password}\n` });
  if (init.status !== 0) throw new Error(`takedownctl init: ${init.stderr}`);
  const platform = await startPlatform();
  const srv = await startServer(o, dir, ['--check-private']);
  let staff = await signIn(srv.base, 'admin', password);

  const cases = []; // {case, receipt, target, state}
  let minute = newMinute();
  let stopping = false;
  let reports = 0;

  // One timed call; counts its status class, or a failure when nothing came back.
  async function timed(kind, method, p, opts) {
    const t0 = performance.now();
    try {
      let r = await api(srv.base, method, p, opts);
      if (r.status === 401 && opts && opts.cookie === staff.cookie) {
        staff = await signIn(srv.base, 'admin', password); // the session aged out: sign in again
        r = await api(srv.base, method, p, { ...opts, cookie: staff.cookie, csrf: staff.csrf });
      }
      minute.lat[kind].push(performance.now() - t0);
      const c = `${Math.floor(r.status / 100)}xx`;
      minute.classes[c] = (minute.classes[c] || 0) + 1;
      if (r.status >= 400) minute.refused[`${kind} ${r.status}`] = (minute.refused[`${kind} ${r.status}`] || 0) + 1;
      return r;
    } catch {
      minute.failed++;
      return { status: 0, body: null };
    }
  }

  const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
  const work = {
    async report() {
      const n = reports++;
      const r = await timed('report', 'POST', '/api/v1/cases', { json: reportBody(n, platform.port) });
      if (r.status === 201) cases.push({ case: r.body.case, receipt: r.body.receipt, target: null, state: 'reported', n });
    },
    async receipt() {
      if (cases.length) await timed('receipt', 'POST', '/api/v1/receipt/session', { json: { receipt: pick(cases).receipt } });
    },
    async staff_page() {
      const q = pick(['', '?queue=new', '?queue=mine', '?queue=overdue', '?queue=awaiting', '?queue=monitoring']);
      await timed('staff_page', 'GET', '/staff' + q, { cookie: staff.cookie });
    },
    async case_view() {
      if (!cases.length) return;
      const c = pick(cases);
      const r = await timed('case_view', 'GET', `/api/v1/staff/cases/${c.case}`, { cookie: staff.cookie });
      if (r.status === 200 && !c.target) {
        const t = r.body.targets.find((x) => x.kind === 'online');
        if (t) [c.target, c.state] = [t.id, t.state];
      }
    },
    async transition() {
      const c = cases.find((x) => x.target && !x.busy && x.state !== 'removed');
      if (!c) return;
      const next = { reported: 'in_review', in_review: 'ready', ready: 'notice_sent', notice_sent: 'removed' }[c.state];
      const body = next === 'notice_sent' ? { to: next, reason: '未经同意传播', ticket: 'T-1', channel: 'web form' } : { to: next };
      c.busy = true;
      const r = await timed('transition', 'POST', `/api/v1/staff/targets/${c.target}/transition`, { cookie: staff.cookie, csrf: staff.csrf, json: body });
      c.busy = false;
      if (r.status === 200) c.state = next;
      if (next === 'removed' && r.status === 200 && c.n % 2) platform.gone.add(String(c.n)); // half of them really go
    },
    async check() {
      const removed = cases.filter((x) => x.state === 'removed');
      if (removed.length) await timed('check', 'POST', `/api/v1/staff/targets/${pick(removed).target}/check`, { cookie: staff.cookie, csrf: staff.csrf, json: {} });
    },
  };

  // Each kind paced at its rate: a call every 1000/rate ms, never more than 4 of a kind at once.
  const loops = Object.entries(RATES).map(async ([kind, rate]) => {
    const inFlight = new Set();
    for (let next = performance.now(); !stopping; next += 1000 / rate) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      if (inFlight.size >= 4) await Promise.race(inFlight);
      const p = work[kind]().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  });

  const samples = [];
  const t0 = Date.now();
  console.log('minute  rss_mb  5xx  failed  ' + Object.keys(RATES).map((k) => `${k}_p99`).join('  '));
  for (let m = 1; m <= o.minutes; m++) {
    await sleep(Math.max(0, t0 + m * 60000 - Date.now()));
    const done = minute;
    minute = newMinute();
    const s = {
      minute: m,
      rss_mb: memoryOf(srv).rss_mb,
      cases: cases.length,
      classes: done.classes,
      refused: done.refused,
      failed: done.failed,
      p50_ms: Object.fromEntries(Object.entries(done.lat).map(([k, v]) => [k, pct(v, 50)])),
      p99_ms: Object.fromEntries(Object.entries(done.lat).map(([k, v]) => [k, pct(v, 99)])),
      requests: Object.fromEntries(Object.entries(done.lat).map(([k, v]) => [k, v.length])),
    };
    samples.push(s);
    console.log(`${String(m).padStart(6)}  ${String(s.rss_mb).padStart(6)}  ${String(s.classes['5xx'] || 0).padStart(3)}  ${String(s.failed).padStart(6)}  ` +
      Object.keys(RATES).map((k) => String(s.p99_ms[k] ?? '-').padStart(k.length + 4)).join('  '));
  }
  stopping = true;
  await Promise.all(loops);
  const hwm = memoryOf(srv).hwm_mb;
  await stopServer(srv);
  platform.server.close();

  // First five minutes after the warm-up minute against the last five.
  const span = Math.max(1, Math.min(5, Math.floor((samples.length - 1) / 2)));
  const early = samples.slice(1, 1 + span);
  const late = samples.slice(-span);
  // Medians of each window: a minute in which something else on the machine ran (a build) moves a
  // mean, not a median; a real trend moves both.
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const trend = { rss_mb: [median(early.map((s) => s.rss_mb)), median(late.map((s) => s.rss_mb))] };
  for (const k of Object.keys(RATES)) trend[`${k}_p99_ms`] = [median(early.map((s) => s.p99_ms[k] ?? 0)), median(late.map((s) => s.p99_ms[k] ?? 0))];
  const errors5xx = samples.reduce((a, s) => a + (s.classes['5xx'] || 0), 0);
  const failed = samples.reduce((a, s) => a + s.failed, 0);
  const total = samples.reduce((a, s) => a + Object.values(s.requests).reduce((x, y) => x + y, 0), 0);
  const result = { minutes: o.minutes, rates_per_s: RATES, requests: total, errors_5xx: errors5xx, failed, rss_peak_mb: hwm, cases: cases.length, trend_first_vs_last: trend, samples, machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 20)} MB, ${os.type()} ${os.release()}` };
  writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\n${total} requests, ${errors5xx} 5xx, ${failed} without an answer, ${cases.length} cases, RSS peak ${hwm} MB`);
  console.log(`first ${span} minutes after warm-up vs last ${span} (medians of the minutes):`);
  for (const [k, [a, b]] of Object.entries(trend)) console.log(`  ${k.padEnd(22)} ${String(a).padStart(8)} -> ${String(b).padStart(8)}  (x${a ? round(b / a, 2) : '-'})`);
  console.log(`wrote ${o.out}`);
  rmSync(o.work, { recursive: true, force: true });
  if (errors5xx || failed) {
    console.error('soak: requests failed (5xx or no answer)');
    process.exit(1);
  }
}

process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
process.on('exit', () => { for (const s of servers) s.proc.kill('SIGKILL'); });
main().catch((e) => {
  console.error('soak:', e.message);
  process.exit(1);
});
