// What one report, one transition and one queue page cost the service, counted rather than timed, so that a
// shared or busy machine gives the same answer: pages written to the database's log, CPU time of
// the one writer, and CPU time of the whole process (every thread), each per request. Requests go
// one at a time (no group shares a commit). Not part of the test command; for comparing builds:
//   node tests/bench/cost.mjs --build BUILD_DIR [--reports 200] [--moves 400] [--pages 100]
// The queue phase then asks for the staff queue page (/staff?queue=all) and the same queue from the
// API, 50 rows each, --pages times each.
// With --callgrind, takedownd runs under valgrind's callgrind and each phase also counts the
// instructions the whole process and the writer (store_tx, inclusive) executed per request: exact and the
// same on every run of the same build, so two builds compare on a busy machine (valgrind runs the
// threads one at a time, so CPU times in that mode are valgrind's, not the service's). --keep DIR
// keeps each phase's callgrind file there, for callgrind_annotate.
// Prints one line per figure and writes cost.json. Loops are bounded in count and in time.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { validReport } from '../http/lib.mjs';
import { startServer, stopServer, api, signIn, round, sleep, storeCounters } from './lib.mjs';

function parseArgs(argv) {
  const o = { build: 'build', reports: 200, moves: 400, pages: 100, threads: 8, callgrind: false };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--callgrind') { o.callgrind = true; i--; }
    else if (k === '--keep') o.keep = path.resolve(v);
    else if (k === '--build') o.build = path.resolve(v);
    else if (k === '--reports') o.reports = Number(v);
    else if (k === '--moves') o.moves = Number(v);
    else if (k === '--pages') o.pages = Number(v);
    else throw new Error(`unknown argument ${k} (--build DIR, --reports N, --moves N, --pages N, --callgrind [--keep DIR])`);
  }
  for (const [k, v] of [['--reports', o.reports], ['--moves', o.moves], ['--pages', o.pages]])
    if (!Number.isInteger(v) || v < 10 || v > 5000) throw new Error(`${k} must be 10-5000`);
  return o;
}

// The counters this measures: the store's and the CPU time from /metrics and /proc, and the
// process's user and system time apart.
async function counters(srv) {
  const c = await storeCounters(srv);
  // utime and stime of the whole process, in clock ticks (fields 14 and 15 of /proc/PID/stat)
  const stat = readFileSync(`/proc/${srv.proc.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ...c, userTicks: Number(f[11]), sysTicks: Number(f[12]) };
}

// Under callgrind: zero the counts, or dump them as phase `name`; a request wakes the process so
// that it reads the command. Resolves to the dump's file for a dump.
async function callgrindControl(srv, flag) {
  const ctl = spawn('callgrind_control', [flag, String(srv.proc.pid)], { stdio: 'ignore' });
  const done = new Promise((resolve) => ctl.on('exit', resolve));
  for (let i = 0; i < 200 && ctl.exitCode === null; i++) {
    await fetch(srv.base + '/healthz').catch(() => {});
    await sleep(50);
  }
  if ((await done) !== 0) throw new Error(`callgrind_control ${flag} failed`);
}

// Instructions of the last dump: the whole process, and store_tx inclusive (the writer; requests
// go one at a time, so nothing of it is waiting).
function callgrindCounts(o, name) {
  const files = readdirSync(o.work).filter((f) => f.startsWith('cg.out.')).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
  const file = path.join(o.work, files[files.length - 1]);
  const text = readFileSync(file, 'utf8');
  const total = Number((/^(?:totals|summary): (\d+)/m.exec(text) || [])[1]);
  const ann = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', '--auto=no', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = ann.stdout.split('\n').find((l) => /store_tx\.c:store_tx \[/.test(l)); // run_group is inlined
  const writer = line ? Number(line.trim().split(/\s+/)[0].replace(/,/g, '')) : NaN;
  if (o.keep) copyFileSync(file, path.join(o.keep, `callgrind.${name}`));
  rmSync(file);
  return { total, writer };
}

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

function per(before, after, n) {
  return {
    transactions: round((after.tx - before.tx) / n, 2),
    log_pages: round((after.pages - before.pages) / n, 2),
    writer_cpu_us: round(((after.writerS - before.writerS) * 1e6) / n, 1),
    process_cpu_us: round((after.cpuNs - before.cpuNs) / 1e3 / n, 1),
    process_user_us: round(((after.userTicks - before.userTicks) * 1e6) / TICKS / n, 1),
    process_sys_us: round(((after.sysTicks - before.sysTicks) * 1e6) / TICKS / n, 1),
  };
}

const instructions = (c, n) => ({ process_kinstr: round(c.total / n / 1e3, 1), writer_kinstr: round(c.writer / n / 1e3, 1) });

// One counted phase of n requests, each made by one(i). Under callgrind the count is zeroed after
// the /metrics read that opens the phase and dumped before the one that closes it, so neither
// (about 1.7 M instructions each) is counted as the phase's.
async function phase(srv, o, name, n, one) {
  const before = await counters(srv);
  if (o.callgrind) await callgrindControl(srv, '-z');
  for (let i = 0; i < n; i++) await one(i);
  let counted = null;
  if (o.callgrind) {
    await callgrindControl(srv, '-d');
    counted = callgrindCounts(o, name);
  }
  const f = per(before, await counters(srv), n);
  return counted ? Object.assign(f, instructions(counted, n)) : f;
}

// The HTTP tests' valid report, with its own phone number, link and fingerprint for report n.
function report(n) {
  const r = validReport();
  r.requester.contact.value = `+86 139-0000-${String(n % 10000).padStart(4, '0')}`;
  r.targets[0].url = `https://www.douyin.com/video/7300${String(n).padStart(15, '0')}`;
  r.fingerprints[0].value = n.toString(16).padStart(64, '0');
  return r;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  o.work = mkdtempSync(path.join(os.tmpdir(), 'takedown-cost-'));
  const dir = path.join(o.work, 'data');
  try {
    const fill = spawnSync(path.join(o.build, 'bench_fill'), ['--data-dir', dir, '--cases', '0'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120000 });
    if (fill.status !== 0) throw new Error('bench_fill --cases 0 failed');
    const admin = JSON.parse(readFileSync(path.join(dir, 'bench-staff.json'), 'utf8')).admin;
    if (o.callgrind)
      o.wrap = ['valgrind', '--tool=callgrind', '--quiet', `--callgrind-out-file=${path.join(o.work, 'cg.out')}`, '--dump-instr=no'];
    const srv = await startServer(o, dir, ['--bench-receipt-kdf-min']);
    const out = {};
    try {
      const cases = [];
      // Warm-up, not counted: one report per slow-work thread at once, so that each has opened its
      // database connection (parsing the schema costs more than a report) before the count.
      const warm = await Promise.all(Array.from({ length: 16 }, (_, i) => api(srv.base, 'POST', '/api/v1/cases', { json: report(100000 + i) })));
      if (warm.some((r) => r.status !== 201)) throw new Error('warm-up report refused');
      out.report = await phase(srv, o, 'report', o.reports, async (i) => {
        const r = await api(srv.base, 'POST', '/api/v1/cases', { json: report(i + 1) });
        if (r.status !== 201) throw new Error(`report: ${r.status}`);
        cases.push(r.body.case);
      });
      const staff = await signIn(srv.base, admin.login, admin.password);
      const targets = [];
      for (const c of cases.slice(0, Math.min(cases.length, 100))) {
        const v = await api(srv.base, 'GET', `/api/v1/staff/cases/${c}`, staff);
        const t = v.body.targets.find((x) => x.kind === 'online');
        for (const to of ['in_review', 'ready', 'notice_sent']) {
          const r = await api(srv.base, 'POST', `/api/v1/staff/targets/${t.id}/transition`, { ...staff, json: to === 'notice_sent' ? { to, reason: '未经同意拍摄并传播' } : { to } });
          if (r.status !== 200) throw new Error(`transition to ${to}: ${r.status}`);
        }
        targets.push({ id: t.id, state: 'notice_sent' });
      }
      out.transition = await phase(srv, o, 'transition', o.moves, async (i) => {
        const t = targets[i % targets.length];
        const json = t.state === 'notice_sent' ? { to: 'needs_info' } : { to: 'notice_sent', reason: '未经同意拍摄并传播' };
        const r = await api(srv.base, 'POST', `/api/v1/staff/targets/${t.id}/transition`, { ...staff, json });
        if (r.status !== 200) throw new Error(`move: ${r.status}`);
        t.state = json.to;
      });
      for (const [name, p] of [['queue_page', '/staff?queue=all'], ['queue_api', '/api/v1/staff/cases?queue=all']]) {
        if ((await api(srv.base, 'GET', p, staff)).status !== 200) throw new Error(`${p}: not 200`);
        out[name] = await phase(srv, o, name, o.pages, async () => {
          const r = await api(srv.base, 'GET', p, staff);
          if (r.status !== 200) throw new Error(`${p}: ${r.status}`);
        });
      }
    } finally {
      await stopServer(srv);
    }
    for (const [what, f] of Object.entries(out))
      console.log(`${what}: ` + (f.transactions ? `${f.log_pages} log pages, writer ${f.writer_cpu_us} µs CPU, ` : '') +
        `process ${f.process_cpu_us} µs CPU (user ${f.process_user_us}, system ${f.process_sys_us}), ${f.transactions} transactions` +
        (o.callgrind ? `; instructions: process ${f.process_kinstr} k` + (f.transactions ? `, writer ${f.writer_kinstr} k` : '') : ''));
    writeFileSync('cost.json', JSON.stringify({ reports: o.reports, moves: o.moves, pages: o.pages, ...out }, null, 2) + '\n');
  } finally {
    rmSync(o.work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`cost.mjs: ${e.message}`);
  process.exit(1);
});
