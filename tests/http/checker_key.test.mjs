// Issue 15, unattended link checks as an opt-in: with a checker key kept outside the data
// directory (takedownctl checker enable), a removal's verification due while no staff are signed
// in runs anyway, and its finding reaches the timeline once staff are back; without the key the
// check waits, as before. The data directory and its backup alone open no link, and the key file
// is refused inside the data directory or readable by others. Clock injected: nothing here
// depends on the machine's speed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { startServer, initStaff, tempDir, call, ctl, dataFiles, sql as sqlOn, sqliteOnly } from './lib.mjs';

const HOUR = 3600;
// A read of the database beside the running service (WAL: readers do not block it).
const sql = (q) => sqlOn(dir, q, { readonly: true });
let srv, dir, pw, keys, keyFile, fake, cw;
const hits = new Map();

function startFake() {
  return new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      const p = req.url.split('?')[0];
      hits.set(p, (hits.get(p) || 0) + 1);
      res.writeHead(p.startsWith('/gone') ? 404 : 200, { 'Content-Type': 'text/html' });
      res.end('<html></html>');
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}
const link = (p) => `http://127.0.0.1:${fake.address().port}${p}`;

const tick = async () => (await call(srv.base, 'POST', '/debug/tick', { json: {} })).body;
const shift = async (s) => (await call(srv.base, 'POST', `/debug/clock?seconds=${s}`, { json: {} })).body.now;
const as = (method, p, json) => call(srv.base, method, p, { cookie: cw.cookie, csrf: method === 'GET' ? undefined : cw.csrf, json });

async function signIn() {
  const r = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'cw1', password: pw.cw1 } });
  assert.equal(r.status, 200, r.text);
  cw = { cookie: r.cookies.td_session, csrf: r.body.csrf };
  assert.equal((await as('GET', '/api/v1/staff/cases?queue=all')).status, 200); // at work: the org key in reach
}

async function start(extra = []) {
  srv = await startServer({ dataDir: dir, args: ['--debug-routes', '--check-private', '--tick-seconds', '86400', ...extra] });
  assert.equal((await call(srv.base, 'POST', '/debug/clock?freeze=1', { json: {} })).status, 200);
}

// A report with one online copy at p, filed and moved to "removed" by cw1: its verification is
// due an hour later. Returns {caseId, tid, receipt}.
async function removedCopy(p, { stopAt = 'removed' } = {}) { // stopAt: 'ready' or 'removed'
  const rep = {
    language: 'zh-CN',
    requester: { role: 'self', name: '王小明', contact: { channel: 'none' } },
    incident: { type: 'crime', date: '2024-05-01', place: '上海' },
    description: 'd',
    consent: { share_identity_with_platform: true, preservation: 'fingerprint' },
    good_faith: true,
    signature: '王小明',
    targets: [{ kind: 'online', url: link(p) }],
    fingerprints: [{ alg: 'sha256', value: randomBytes(32).toString('hex') }],
  };
  const r = await call(srv.base, 'POST', '/api/v1/cases', { json: rep });
  assert.equal(r.status, 201, r.text);
  const tid = (await as('GET', `/api/v1/staff/cases/${r.body.case}`)).body.targets[0].id;
  for (const to of ['in_review', 'ready']) assert.equal((await as('POST', `/api/v1/staff/targets/${tid}/transition`, { to })).status, 200);
  if (stopAt !== 'ready') {
    const sent = await as('POST', `/api/v1/staff/targets/${tid}/transition`, { to: 'notice_sent', reason: 'r', ticket: 'T-1', channel: 'web' });
    assert.equal(sent.status, 200, sent.text);
    assert.equal((await as('POST', `/api/v1/staff/targets/${tid}/transition`, { to: 'removed' })).status, 200);
  }
  return { caseId: r.body.case, tid, receipt: r.body.receipt };
}

// The copy's state as the victim sees it (a victim's sign-in brings no org key).
async function victimState(receipt) {
  const s = await call(srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt } });
  assert.equal(s.status, 200, s.text);
  return (await call(srv.base, 'GET', '/api/v1/my/case', { cookie: s.cookies.td_session })).body.targets[0].state;
}

before(async () => {
  ({ dir, pw } = initStaff('takedown-checkerkey-', [['cw1', 'caseworker']]));
  keys = tempDir('takedown-checkerkey-keys-');
  keyFile = path.join(keys, 'checker.key');
  fake = await startFake();
});

after(async () => {
  await srv?.stop();
  fake?.close();
});

test('takedownctl checker enable: the key file outside the data directory only, new, owner-readable', async () => {
  const inside = ctl(['checker', 'enable', '--data-dir', dir, '--as', 'admin', '--key-file', path.join(dir, 'checker.key')], [pw.admin]);
  assert.equal(inside.status, 2);
  assert.match(inside.stderr, /must be outside the data directory/);
  assert.equal(ctl(['checker', 'enable', '--data-dir', dir, '--as', 'admin'], [pw.admin]).status, 2, 'no --key-file');
  const wrong = ctl(['checker', 'enable', '--data-dir', dir, '--as', 'admin', '--key-file', keyFile], ['not the password']);
  assert.equal(wrong.status, 1);
  assert.throws(() => statSync(keyFile), 'nothing written for a wrong password');

  const ok = ctl(['checker', 'enable', '--data-dir', dir, '--as', 'admin', '--key-file', keyFile], [pw.admin]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^checker-public-key: [0-9a-f]{64}$/m);
  assert.equal(statSync(keyFile).mode & 0o777, 0o400);
  assert.match(readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\n$/);
  const again = ctl(['checker', 'enable', '--data-dir', dir, '--as', 'admin', '--key-file', keyFile], [pw.admin]);
  assert.equal(again.status, 1, 'an existing key file is never overwritten');
});

test('takedownd refuses a key file others may read, or inside the data directory', async () => {
  const { spawnSync } = await import('node:child_process');
  const { TAKEDOWND } = await import('./lib.mjs');
  const loose = path.join(keys, 'loose.key');
  writeFileSync(loose, readFileSync(keyFile));
  chmodSync(loose, 0o644);
  const inDir = path.join(dir, 'copied.key');
  writeFileSync(inDir, readFileSync(keyFile), { mode: 0o400 });
  for (const [file, line] of [[loose, /readable by its owner only/], [inDir, /must be outside the data directory/]]) {
    const r = spawnSync(TAKEDOWND, ['--data-dir', dir, '--listen', '127.0.0.1:1', '--checker-key-file', file], { encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, line);
  }
});

test('with the key, a verification due at night runs without staff; its finding joins the timeline when they are back', async () => {
  await start(['--checker-key-file', keyFile]);
  assert.match(srv.log(), /checker key loaded: link checks run while no staff are signed in/);
  await signIn();
  const c = await removedCopy('/gone-night', { stopAt: 'ready' });
  await tick();
  assert.equal(sql(`SELECT checker_seal IS NULL FROM targets WHERE id = ${c.tid}`), '1', 'no check to come: the link is not under the checker key');
  assert.equal((await as('POST', `/api/v1/staff/targets/${c.tid}/transition`, { to: 'notice_sent', reason: 'r', ticket: 'T-1', channel: 'web' })).status, 200);
  assert.equal((await as('POST', `/api/v1/staff/targets/${c.tid}/transition`, { to: 'removed' })).status, 200);
  assert.equal(await victimState(c.receipt), 'removed');
  await tick(); // staff at work, a check to come: the link is sealed to the checker key now
  assert.equal(sql(`SELECT checker_seal IS NULL FROM targets WHERE id = ${c.tid}`), '0');
  assert.equal(hits.get('/gone-night') || 0, 0, 'not due yet');

  await shift(2 * HOUR); // the staff idle time has passed: no org key in memory
  assert.equal((await tick()).checks, 1, 'checked with the checker key');
  assert.equal(hits.get('/gone-night'), 1, 'the checker asked the platform');
  assert.equal(await victimState(c.receipt), 'monitoring', 'gone: verified and watched, at night');
  const m = await call(srv.base, 'GET', '/metrics');
  assert.match(m.text, /^takedown_checks_total\{result="gone"\} 1$/m);

  await signIn();
  let v = (await as('GET', `/api/v1/staff/cases/${c.caseId}`)).body;
  const check = () => v.timeline.find((e) => e.kind === 'check' && e.target === c.tid);
  assert.ok(check(), 'the check is in the timeline');
  await tick(); // staff back: the finding, sealed to the org, moves into the timeline
  v = (await as('GET', `/api/v1/staff/cases/${c.caseId}`)).body;
  assert.equal(check().detail?.result, 'gone', JSON.stringify(check()));
  assert.deepEqual(v.timeline.filter((e) => e.target === c.tid && e.kind === 'target.transition').map((e) => e.to).slice(-2), ['verified_gone', 'monitoring']);
});

test('an org rotation with a night finding waiting: the finding reaches the timeline first; the checker key still works after', async () => {
  await signIn();
  const c = await removedCopy('/gone-rotate');
  await tick();
  await shift(2 * HOUR);
  assert.equal((await tick()).checks, 1);
  await srv.stop();
  const rot = ctl(['org', 'rotate', '--data-dir', dir, '--as', 'admin'], [pw.admin]);
  assert.equal(rot.status, 0, rot.stderr);
  await start(['--checker-key-file', keyFile]);
  await shift(2 * HOUR);
  await signIn();
  const v = (await as('GET', `/api/v1/staff/cases/${c.caseId}`)).body;
  assert.equal(v.timeline.find((e) => e.kind === 'check' && e.target === c.tid).detail?.result, 'gone');

  const d = await removedCopy('/gone-after-rotate');
  await tick();
  await shift(2 * HOUR);
  assert.equal((await tick()).checks, 1, 'the links stay sealed to the checker key across a rotation');
  assert.equal(hits.get('/gone-after-rotate'), 1);
  assert.equal(await victimState(d.receipt), 'monitoring');
});

test('the data directory and its backup alone open no link: no link and no checker secret in any file', sqliteOnly('takedownctl backup copies a SQLite file; PostgreSQL is backed up with its own tools'), async () => {
  const backup = path.join(keys, 'night.tdbackup');
  const b = ctl(['backup', '--data-dir', dir, backup]);
  assert.equal(b.status, 0, b.stderr);
  const secret = readFileSync(keyFile, 'utf8').trim();
  const needles = [Buffer.from('/gone-night'), Buffer.from(secret), Buffer.from(secret, 'hex')];
  const files = [...dataFiles(dir), { p: backup, bytes: readFileSync(backup) }].filter(({ p }) => !p.endsWith('copied.key')); // the test's own misplaced copy, refused above
  assert.ok(files.length > 3);
  for (const { p, bytes } of files)
    for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${path.basename(p)} holds ${n.length === 32 ? 'the raw key' : n.toString().slice(0, 12)}`);
});

test('without the key, or with another, the check waits for staff as before', async () => {
  await srv.stop();
  await start();
  await signIn();
  const c = await removedCopy('/gone-nokey');
  await tick();
  await shift(2 * HOUR);
  assert.equal((await tick()).checks, 0);
  assert.equal(hits.get('/gone-nokey') || 0, 0, 'no key: no check');

  await srv.stop();
  const other = path.join(keys, 'other.key');
  writeFileSync(other, randomBytes(32).toString('hex') + '\n', { mode: 0o400 });
  await start(['--checker-key-file', other]);
  await shift(2 * HOUR); // a new process: its clock starts from the machine's again
  assert.match(srv.log(), /the checker key is not the one enabled: checks wait for staff/);
  assert.equal((await tick()).checks, 0);
  assert.equal(hits.get('/gone-nokey') || 0, 0, 'another key opens nothing');

  await signIn(); // staff back: the check runs with the org key, as before
  assert.equal((await tick()).checks, 1);
  assert.equal(hits.get('/gone-nokey'), 1);
});

test('takedownctl checker disable: the seals go, from the database log too, and a key given later opens nothing', sqliteOnly("PostgreSQL keeps a row's old versions until VACUUM reuses their space (docs/operations.md)"), async () => {
  const seal = Buffer.from(sql('SELECT hex(checker_seal) FROM targets WHERE checker_seal IS NOT NULL LIMIT 1'), 'hex');
  assert.ok(seal.length > 32, 'a link under the checker key before');
  await srv.stop();
  const off = ctl(['checker', 'disable', '--data-dir', dir, '--as', 'admin'], [pw.admin]);
  assert.equal(off.status, 0, off.stderr);
  for (const { p, bytes } of dataFiles(dir)) assert.equal(bytes.indexOf(seal), -1, `${path.basename(p)} still holds a seal`);
  await start(['--checker-key-file', keyFile]);
  assert.match(srv.log(), /a checker key was given but none is enabled/);
  await signIn();
  const c = await removedCopy('/gone-off');
  await tick();
  await shift(2 * HOUR);
  assert.equal((await tick()).checks, 0);
  assert.equal(hits.get('/gone-off') || 0, 0);
  assert.ok(c.tid > 0);
});
