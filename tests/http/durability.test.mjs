// Crash durability: rounds of kill -9 while reports (the JSON API, and the form with a
// screenshot) and staff transitions run concurrently, then a restart on the same data dir. The
// kill comes after a set count of acknowledged answers in each round, never after a time, so a
// slow machine only gets fewer requests in before it; the checks hold either way:
//   - every acknowledged report (201 with a receipt) opens with its receipt, with its copy;
//   - every report filed through the form (303) is there with its screenshot, through the
//     session cookie the 303 set (sessions survive a restart);
//   - every acknowledged transition is there: its target in that state or a later one;
//   - takedownctl check: PRAGMA integrity_check ok, no case without its copies, the audit chain
//     intact, and after the restart the file store whole (an upload cut short is filed or removed
//     at start).
// Bounded: 3 rounds, at most 30 acknowledged answers each, each round also ends (killed the same
// way) if its count is not reached within 3 minutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, ctl, tempDir } from './lib.mjs';
import {
  QUIET_LIMITS, call, report, png, postForm, staffSignIn, asStaff, openWithReceipt, CHAIN,
  fieldsFor, caseCount, filesIn, assertWhole,
} from './store_lib.mjs';

const KILL_AFTER = [11, 19, 30]; // acknowledged answers in each round before kill -9
const ROUND_BOUND_MS = 180000; // a round not at its count by then is killed all the same
const SUBMITTERS = 5;
const UPLOADERS = 1;
const MOVERS = 3;
const TARGETS_PER_MOVER = 4;
const TRANSITIONS_PER_REPORT = 2;
const pw = { admin: 'Admin-' + randomBytes(8).toString('hex'), cw: 'Cw-' + randomBytes(8).toString('hex') };

let dir;
let srv;
const servers = []; // every server started, so a failed check never leaves one running

async function start() {
  srv = await startServer({ dataDir: dir, args: QUIET_LIMITS });
  servers.push(srv);
  return srv;
}
const reports = []; // {receipt, case, round}: every 201
const forms = []; // {cookie, round}: every 303 of the form (one screenshot each)
const targets = []; // {id, case, mover, acked: index in CHAIN of the last acknowledged state}

before(async () => {
  dir = tempDir('takedown-durability-');
  assert.equal(ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]).status, 0);
  const add = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', 'caseworker', 'cw'], [pw.admin, pw.cw, pw.cw]);
  assert.equal(add.status, 0, add.stderr);
  // The targets the movers will walk down the chain, one mover each, made before any crash.
  await start();
  const cw = await staffSignIn(srv.base, 'cw', pw.cw);
  for (let i = 0; i < MOVERS * TARGETS_PER_MOVER; i++) {
    const r = await call(srv.base, 'POST', '/api/v1/cases', { json: report() });
    assert.equal(r.status, 201, r.text);
    reports.push({ receipt: r.body.receipt, case: r.body.case, round: 0 });
    const v = await asStaff(srv.base, cw, 'GET', `/api/v1/staff/cases/${r.body.case}`);
    assert.equal(v.status, 200, v.text);
    targets.push({ id: v.body.targets[0].id, case: r.body.case, mover: i % MOVERS, acked: 0, state: 0 });
  }
  await srv.stop();
});

after(async () => {
  for (const s of servers) await s.stop('SIGKILL');
});

// One round: the loops run until the kill; each acknowledged answer is counted and recorded
// before the next request, and the count's last one sends SIGKILL at once.
async function crashRound(round, killAfter) {
  await start();
  const cw = await staffSignIn(srv.base, 'cw', pw.cw);
  const proc = srv.proc;
  let acked = 0;
  let killed = false;
  let wake = []; // movers waiting for the next report (below)
  const kill = () => {
    if (!killed) {
      killed = true;
      proc.kill('SIGKILL');
    }
    for (const w of wake) w();
    wake = [];
  };
  const ack = () => {
    if (++acked >= killAfter) kill();
  };
  // Transitions are quick and reports wait for an Argon2id each: paced by count, never by time,
  // at most TRANSITIONS_PER_REPORT transitions per report acknowledged so far this round (plus
  // one), so every round's kill falls among both.
  let filed = 0;
  let moves = 0;
  const reportAcked = () => {
    filed++;
    for (const w of wake) w();
    wake = [];
    ack();
  };
  const moveAllowed = async () => {
    while (!killed && moves >= TRANSITIONS_PER_REPORT * (filed + 1)) await new Promise((r) => wake.push(r));
    moves++;
    return !killed;
  };
  const bound = setTimeout(kill, ROUND_BOUND_MS);
  // Requests cut off by the kill reject; that is the end of the loop, never a failure.
  const loop = async (step) => {
    try {
      while (!killed && (await step()));
    } catch (e) {
      if (!killed) throw e;
    }
  };
  const submitter = async () => {
    const r = await call(srv.base, 'POST', '/api/v1/cases', { json: report() });
    if (killed && r.status !== 201) return false;
    assert.equal(r.status, 201, r.text);
    reports.push({ receipt: r.body.receipt, case: r.body.case, round });
    reportAcked();
    return true;
  };
  const uploader = async () => {
    const r = await postForm(srv.base, `描述 ${round}`, [png(64 * 1024)]);
    if (killed && r.status !== 303) return false;
    assert.equal(r.status, 303, r.text);
    forms.push({ cookie: r.cookies.td_session, round });
    reportAcked();
    return true;
  };
  const mover = (m) => async () => {
    const t = targets.find((x) => x.mover === m && x.state < CHAIN.length - 1);
    if (!t) return false; // all of this mover's targets are closed
    if (!(await moveAllowed())) return false;
    const to = CHAIN[t.state + 1];
    const r = await asStaff(srv.base, cw, 'POST', `/api/v1/staff/targets/${t.id}/transition`, { to, ...fieldsFor(to) });
    if (killed && r.status !== 200) return false;
    assert.equal(r.status, 200, `${t.id} -> ${to}: ${r.text}`);
    t.state = t.acked = CHAIN.indexOf(to);
    ack();
    return true;
  };
  await Promise.all([
    ...Array.from({ length: SUBMITTERS }, () => loop(submitter)),
    ...Array.from({ length: UPLOADERS }, () => loop(uploader)),
    ...Array.from({ length: MOVERS }, (_, m) => loop(mover(m))),
  ]);
  kill(); // every loop ended (all targets closed): the kill still comes, the checks still hold
  clearTimeout(bound);
  const how = await srv.exited;
  assert.equal(how.signal, 'SIGKILL', `round ${round}: killed, not exited (${JSON.stringify(how)})`);
  return acked;
}

// takedownctl check's lines as a map, for the checks that hold right after a crash.
function checkLines() {
  const r = ctl(['check', '--data-dir', dir]);
  const lines = Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => {
    const i = l.indexOf(': ');
    return [l.slice(0, i), l.slice(i + 2)];
  }));
  return { r, lines };
}

async function verifyAfterRestart(round) {
  await start();
  // The file store is whole once the restart has filed or removed uploads cut short.
  const { r, lines } = checkLines();
  assert.equal(r.status, 0, `takedownctl check after restart ${round}:\n${r.stdout}${r.stderr}`);
  assert.equal(lines.check, 'ok');
  assert.ok(caseCount(dir) >= reports.length + forms.length, 'at least every acknowledged report');

  // Every acknowledged report opens with its receipt (a few at a time: each is one Argon2id).
  for (let i = 0; i < reports.length; i += 4) {
    await Promise.all(reports.slice(i, i + 4).map(async (a) => {
      const o = await openWithReceipt(srv.base, a.receipt);
      assert.equal(o.status, 200, `report of round ${a.round} opens with its receipt: ${o.text}`);
      assert.equal(o.view.case, a.case);
      assert.equal(o.view.targets.length, 1, 'with its copy');
    }));
  }
  for (const f of forms) {
    const my = await call(srv.base, 'GET', '/api/v1/my/case', { cookie: f.cookie });
    assert.equal(my.status, 200, `the form's report of round ${f.round} is there: ${my.text}`);
    assert.equal(my.body.screenshots, 1, 'with its screenshot');
  }
  // Every acknowledged transition is there, or one after it (a transition the kill cut off
  // before its answer may have committed); the movers go on from what is there.
  const cw = await staffSignIn(srv.base, 'cw', pw.cw);
  for (const t of targets) {
    const v = await asStaff(srv.base, cw, 'GET', `/api/v1/staff/cases/${t.case}`);
    assert.equal(v.status, 200, v.text);
    const now = CHAIN.indexOf(v.body.targets[0].state);
    assert.ok(now >= t.acked, `target ${t.id}: acknowledged ${CHAIN[t.acked]}, found ${v.body.targets[0].state}`);
    t.state = now;
  }
  await srv.stop();
}

for (const [i, killAfter] of KILL_AFTER.entries()) {
  const round = i + 1;
  test(`round ${round}: kill -9 after ${killAfter} acknowledged answers, restart, nothing acknowledged is lost`, async (t) => {
    const moved = targets.reduce((n, x) => n + x.acked, 0);
    const counts = [reports.length, forms.length];
    const acked = await crashRound(round, killAfter);
    assert.ok(acked >= 1, 'some answers came before the kill');
    t.diagnostic(`acknowledged before the kill: ${reports.length - counts[0]} reports, ${forms.length - counts[1]} ` +
      `forms, ${targets.reduce((n, x) => n + x.acked, 0) - moved} transitions`);
    // Right after the crash, before anything reopens it read-write: the database and the audit
    // chain are whole (an upload cut short may still sit in files/tmp; the restart files it).
    const { r, lines } = checkLines();
    assert.equal(lines.integrity, 'ok', r.stdout + r.stderr);
    assert.equal(lines['foreign keys'], '0 problem(s)');
    assert.equal(lines['cases without copies'], '0');
    assert.match(lines['audit log'], /^intact/);
    const audit = ctl(['audit', 'verify', '--data-dir', dir]);
    assert.equal(audit.status, 0, audit.stdout + audit.stderr);
    t.diagnostic(`right after the kill: ${parseInt(lines['unfinished uploads'], 10)} unfinished upload(s)`);
    await verifyAfterRestart(round);
    assert.ok(targets.reduce((n, x) => n + x.acked, 0) >= moved, 'no transition went back');
  });
}

// What the rounds meet only by chance, made to happen: a crash after a report's commit and before
// its screenshot was moved out of files/tmp, and an upload no report took. The next start files
// the first and removes the second.
test('an upload a crash cut short is filed or removed when takedownd next starts', async () => {
  await start();
  const shot = png(48 * 1024);
  const r = await postForm(srv.base, '截图', [shot]);
  assert.equal(r.status, 303, r.text);
  const my = await call(srv.base, 'GET', '/api/v1/my/case', { cookie: r.cookies.td_session });
  const cw = await staffSignIn(srv.base, 'cw', pw.cw);
  const v = await asStaff(srv.base, cw, 'GET', `/api/v1/staff/cases/${my.body.case}`);
  const id = v.body.screenshots[0].id;
  await srv.stop('SIGKILL');
  // As if killed just before the move, with another upload still arriving.
  mkdirSync(path.join(dir, 'files', 'tmp'), { recursive: true });
  renameSync(path.join(dir, 'files', id), path.join(dir, 'files', 'tmp', id));
  const stray = randomBytes(16).toString('hex');
  writeFileSync(path.join(dir, 'files', 'tmp', stray), randomBytes(1000));

  await start();
  assert.deepEqual(filesIn(dir, 'files/tmp'), [], 'nothing left in files/tmp');
  assert.ok(filesIn(dir).includes(id), 'the filed screenshot is in place');
  assert.ok(!filesIn(dir).includes(stray), 'the upload no report took is gone');
  const file = await asStaff(srv.base, await staffSignIn(srv.base, 'cw', pw.cw), 'GET', `/api/v1/staff/files/${id}`);
  assert.equal(file.status, 200, file.text);
  await srv.stop();
  assertWhole(dir, 'after the start that filed it');
});
