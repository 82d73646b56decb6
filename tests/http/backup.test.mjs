// Backups that keep the promise, over the real binaries and the raw files: `takedownctl backup`
// writes one file only its owner can read, also while it is being written and under umask 000;
// it holds the encrypted screenshots and no session; progress goes to stderr; `takedownctl
// restore` brings back a working service (receipts, staff sign-in, screenshots) and re-applies
// the erasure log, so a case erased after the backup is destroyed again; the erasure log holds
// digests and times only; the WAL holds no ciphertext of an erased case, and when a reader keeps
// it from being cleared the service says so and clears it at its next tick; --keep prunes older
// backups this tool wrote.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, ctl, tempDir, TAKEDOWNCTL, holdReader, call as callAs } from './lib.mjs';

const BASE_ARGS = ['--debug-routes', '--trust-proxy', '--tick-seconds', '86400'];
const STAFF_XFF = '10.211.0.1';
let addrN = 0;
const addr = () => {
  addrN++;
  return `10.${212 + (addrN >> 16)}.${(addrN >> 8) & 255}.${addrN & 255}`;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const call = (base, method, p, opts = {}) => callAs(base, method, p, { ...opts, xff: opts.xff || STAFF_XFF });

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = (n = 300) => Buffer.concat([PNG_SIG, Buffer.from('\x00\x00\x00\x0dIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00', 'latin1'), randomBytes(n)]);

// Files a report through the form with screenshots; returns the receipt, the case and the victim.
async function report(base, shots) {
  const xff = addr();
  const g = await call(base, 'GET', '/report', { xff });
  assert.equal(g.status, 200);
  const csrf = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(g.text)[1];
  const fields = [
    ['csrf', csrf], ['language', 'zh-CN'], ['requester.role', 'self'], ['requester.name', '李华'],
    ['incident.type', 'intimate'], ['incident.date', '2024-03-08'], ['incident.place', '杭州'],
    ['incident.police_case_no', ''], ['description', '前男友把视频发到了网上 ' + randomBytes(4).toString('hex')],
    ['targets[0].kind', 'online'], ['targets[0].url', `https://www.douyin.com/video/7${String(Date.now()).slice(-9)}${addrN}`],
    ['targets[0].note', ''], ['requester.contact.channel', 'email'], ['requester.contact.value', 'lihua@example.cn'],
    ['requester.contact.safe_hours', ''], ['consent.share_identity_with_platform', 'no'],
    ['consent.preservation', 'none'], ['fingerprints[0].value', ''], ['good_faith', 'on'], ['signature', '李华'],
  ];
  const fd = new FormData();
  for (const [k, v] of fields) fd.append(k, v);
  for (const [i, b] of shots.entries()) fd.append('screenshots', new Blob([b], { type: 'image/png' }), `shot${i}.png`);
  const r = await call(base, 'POST', '/report', { xff, jar: 'td_csrf=' + g.cookies.td_csrf, multipart: fd });
  // Post-redirect-get: the receipt is on the page the 303 leads to, shown once.
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const page = await call(base, 'GET', '/report/receipt', { xff, jar: 'td_receipt=' + r.cookies.td_receipt });
  const receipt = /<p class="receipt-code" lang="en">([0-9 ]+)<\/p>/.exec(page.text)[1];
  const victim = await receiptSession(base, receipt);
  const mine = await call(base, 'GET', '/api/v1/my/case', { cookie: victim.cookie, xff: victim.xff });
  assert.equal(mine.status, 200);
  assert.equal(mine.body.screenshots, shots.length);
  return { receipt, caseId: mine.body.case, victim, shots };
}

async function receiptSession(base, receipt, expect = 200) {
  const xff = addr();
  const s = await call(base, 'POST', '/api/v1/receipt/session', { json: { receipt }, xff });
  assert.equal(s.status, expect, s.text);
  return { cookie: s.cookies.td_session, csrf: s.body?.csrf, xff };
}

async function staffSession(base, login, password) {
  const r = await call(base, 'POST', '/api/v1/staff/session', { json: { login, password } });
  assert.equal(r.status, 200, `${login} signs in: ${r.text}`);
  return { cookie: r.cookies.td_session, csrf: r.body.csrf };
}
const staffGet = (base, s, p) => call(base, 'GET', p, { cookie: s.cookie });

// The screenshots of a case as staff see them: [{id, bytes}] in upload order.
async function screenshots(base, s, caseId) {
  const v = await staffGet(base, s, `/api/v1/staff/cases/${caseId}`);
  assert.equal(v.status, 200, v.text);
  const out = [];
  for (const f of v.body.screenshots) {
    const r = await staffGet(base, s, `/api/v1/staff/files/${f.id}`);
    assert.equal(r.status, 200, `screenshot ${f.id}: ${r.text.slice(0, 200)}`);
    out.push({ id: f.id, bytes: r.bytes });
  }
  return out;
}

function sql(dir, query) {
  const r = spawnSync('sqlite3', ['-readonly', path.join(dir, 'takedown.db'), query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}
function dbBytes(dir) {
  return Buffer.concat(['takedown.db', 'takedown.db-wal'].map((f) => path.join(dir, f))
    .filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}
// Distinctive ciphertexts of a case: its body, its sealed key, its targets' bodies, its files' meta.
function ciphertexts(dir, caseId) {
  const rows = sql(dir, `SELECT hex(body) FROM cases WHERE id='${caseId}' UNION ALL SELECT hex(sealed_key) FROM cases WHERE id='${caseId}'` +
    ` UNION ALL SELECT hex(body) FROM targets WHERE case_id='${caseId}' UNION ALL SELECT hex(meta) FROM files WHERE case_id='${caseId}'`);
  const out = rows.split('\n').filter((h) => h.length >= 64).map((h) => Buffer.from(h, 'hex'));
  assert.ok(out.length >= 3, `case ${caseId} has ciphertext`);
  return out;
}


// The backup the restore tests start from: the one the first test wrote, or a plain one.
function firstBackup() {
  if (!S.first) {
    S.first = path.join(newDir('takedown-backup-out-'), 'first.tdbackup');
    const r = ctl(['backup', '--data-dir', S.dir, S.first]);
    assert.equal(r.status, 0, r.stderr);
  }
  return S.first;
}

const DIRS = [];
const S = {}; // the live service: dir, pw, srv, cases
function newDir(prefix) {
  const d = tempDir(prefix);
  DIRS.push(d);
  return d;
}

before(async () => {
  S.dir = newDir('takedown-backup-');
  S.pw = { admin: 'Admin-' + randomBytes(8).toString('hex'), cw1: 'cw1-' + randomBytes(8).toString('hex') };
  assert.equal(ctl(['init', '--data-dir', S.dir, '--admin', 'admin'], [S.pw.admin, S.pw.admin]).status, 0);
  const u = ctl(['user', 'add', '--data-dir', S.dir, '--as', 'admin', '--role', 'caseworker', 'cw1'], [S.pw.admin, S.pw.cw1, S.pw.cw1]);
  assert.equal(u.status, 0, u.stderr);
  S.srv = await startServer({ dataDir: S.dir, args: BASE_ARGS });
  S.cw = await staffSession(S.srv.base, 'cw1', S.pw.cw1);
  // A data dir with many files: 6 reports of 10 screenshots (the form's limit per report).
  S.cases = [];
  for (let i = 0; i < 6; i++) S.cases.push(await report(S.srv.base, Array.from({ length: 10 }, () => png(120000))));
  S.victimOld = await receiptSession(S.srv.base, S.cases[0].receipt);
});

after(async () => {
  if (S.srv) await S.srv.stop();
  for (const d of DIRS) rmSync(d, { recursive: true, force: true });
});

// Runs `takedownctl backup` under umask 000, polling its directory the whole time; the first
// progress line stops the process for a moment so the poll sees it mid-write.
async function backupWatched(dataDir, file) {
  const dir = path.dirname(file);
  const seen = new Map(); // name -> modes seen
  const poll = () => {
    for (const name of readdirSync(dir)) {
      try {
        const mode = statSync(path.join(dir, name)).mode & 0o777;
        if (!seen.has(name)) seen.set(name, new Set());
        seen.get(name).add(mode);
      } catch { /* gone between readdir and stat */ }
    }
  };
  const p = spawn('sh', ['-c', 'umask 000; exec "$0" "$@"', TAKEDOWNCTL, 'backup', '--data-dir', dataDir, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let stopped = false;
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => {
    stderr += d;
    if (!stopped && /backup: \d+\/\d+ pages/.test(stderr)) {
      stopped = true;
      p.kill('SIGSTOP');
      poll();
      p.kill('SIGCONT');
    }
  });
  let done = false;
  const exited = new Promise((r) => p.on('exit', (code) => { done = true; r(code); }));
  while (!done) {
    poll();
    await new Promise((r) => setImmediate(r));
  }
  poll();
  return { status: await exited, stdout, stderr, seen };
}

test('backup: 0600 while written and after (umask 000), no other-readable temp file, progress on stderr, no sessions, every screenshot', async () => {
  const out = newDir('takedown-backup-out-');
  const file = path.join(out, 'first.tdbackup');
  // The sessions the backup must not carry: their key wraps, as raw bytes.
  const wraps = sql(S.dir, 'SELECT hex(key_wrap) FROM sessions').split('\n').filter(Boolean).map((h) => Buffer.from(h, 'hex'));
  assert.ok(wraps.length >= 7, 'staff and victim sessions exist');
  const r = await backupWatched(S.dir, file);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the backup is 0600');
  for (const [name, modes] of r.seen) for (const m of modes) assert.equal(m & 0o077, 0, `${name} was mode ${m.toString(8)} at some point`);
  const temps = [...r.seen.keys()].filter((n) => n !== 'first.tdbackup');
  assert.ok(temps.length >= 1, 'the poll saw the backup being written under a temporary name');
  assert.deepEqual(readdirSync(out), ['first.tdbackup'], 'no temporary file is left');
  // Progress: pages, then files, ending with all of them.
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.some((l) => /^backup: \d+\/\d+ pages$/.test(l)), r.stderr);
  assert.match(lines.at(-1), /^backup: (\d+)\/\1 pages, 60\/60 files$/);
  assert.ok(lines.filter((l) => /files$/.test(l)).length >= 2, 'files progress as they go');
  // The archive holds every encrypted screenshot file, byte for byte, and no session.
  const archive = readFileSync(file);
  const fids = sql(S.dir, 'SELECT id FROM files').split('\n');
  assert.equal(fids.length, 60);
  for (const id of fids) assert.ok(archive.includes(readFileSync(path.join(S.dir, 'files', id))), `file ${id} is in the backup`);
  wraps.forEach((w, i) => assert.ok(!archive.includes(w), `session wrap ${i} is in the backup`));
  assert.ok(dbBytes(S.dir).includes(wraps[0]), 'control: the live database holds them');
  S.first = file;

  // Never over an existing file.
  const again = ctl(['backup', '--data-dir', S.dir, file]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists/);
  assert.deepEqual(readdirSync(out), ['first.tdbackup']);
});

test('restore into a fresh dir: receipts open their cases, staff sign in, screenshots are served, no session survived', async () => {
  firstBackup();
  const before = await screenshots(S.srv.base, S.cw, S.cases[1].caseId);
  const R = path.join(newDir('takedown-restore-'), 'data');
  const r = ctl(['restore', '--data-dir', R, S.first]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(path.join(R, 'takedown.db')).mode & 0o777, 0o600);
  assert.equal(Number(sql(R, 'SELECT count(*) FROM sessions')), 0, 'no session rows');
  const srv = await startServer({ dataDir: R, args: BASE_ARGS });
  try {
    // Old cookies open nothing.
    assert.equal((await staffGet(srv.base, S.cw, '/api/v1/staff/me')).status, 401, 'an old staff cookie');
    assert.equal((await call(srv.base, 'GET', '/api/v1/my/case', { cookie: S.victimOld.cookie, xff: S.victimOld.xff })).status, 401, 'an old victim cookie');
    // A receipt opens its case; staff sign in; the case page and its screenshots answer.
    const v = await receiptSession(srv.base, S.cases[1].receipt);
    const mine = await call(srv.base, 'GET', '/api/v1/my/case', { cookie: v.cookie, xff: v.xff });
    assert.equal(mine.status, 200);
    assert.equal(mine.body.case, S.cases[1].caseId);
    const cw = await staffSession(srv.base, 'cw1', S.pw.cw1);
    const page = await staffGet(srv.base, cw, `/staff/cases/${S.cases[1].caseId}`);
    assert.equal(page.status, 200, page.text.slice(0, 300));
    const after = await screenshots(srv.base, cw, S.cases[1].caseId);
    assert.equal(after.length, 10);
    assert.deepEqual(after.map((f) => f.id), before.map((f) => f.id));
    after.forEach((f, i) => assert.ok(f.bytes.equals(before[i].bytes), `screenshot ${i} is the same as before`));
    after.forEach((f, i) => assert.ok(S.cases[1].shots.some((s) => s.equals(f.bytes)), `screenshot ${i} is one that was uploaded`));
  } finally {
    await srv.stop();
  }
  assert.match(r.stdout, /erasure log re-applied: 0 case\(s\)/, 'nothing was erased since');
  // A non-empty data dir is refused without --force, and replaced with it.
  const refused = ctl(['restore', '--data-dir', R, S.first]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /not empty.*--force/);
  const forced = ctl(['restore', '--data-dir', R, '--force', S.first]);
  assert.equal(forced.status, 0, forced.stderr);
  // A damaged backup changes nothing.
  const bad = path.join(path.dirname(S.first), 'damaged.tdbackup');
  const bytes = readFileSync(S.first);
  bytes[bytes.length - 5000] ^= 1;
  writeFileSync(bad, bytes, { mode: 0o600 });
  const R2 = path.join(newDir('takedown-restore-bad-'), 'data');
  const dmg = ctl(['restore', '--data-dir', R2, bad]);
  assert.equal(dmg.status, 1);
  assert.match(dmg.stderr, /checksum/);
  assert.ok(!existsSync(path.join(R2, 'takedown.db')), 'nothing was restored');
  rmSync(bad);
});

test('erasure survives a restore: cases erased after the backup are destroyed again; the erasure log holds digests and times only', async () => {
  firstBackup();
  const [api, pageCase, kept] = [S.cases[2], S.cases[3], S.cases[4]];
  const fids = sql(S.dir, `SELECT id FROM files WHERE case_id IN ('${api.caseId}','${pageCase.caseId}')`).split('\n');
  assert.equal(fids.length, 20);
  // Erase one through the API and one through the page.
  const a = await receiptSession(S.srv.base, api.receipt);
  const del = await call(S.srv.base, 'DELETE', '/api/v1/my/case', { cookie: a.cookie, csrf: a.csrf, xff: a.xff });
  assert.equal(del.status, 200, del.text);
  const p = await receiptSession(S.srv.base, pageCase.receipt);
  const pg = await call(S.srv.base, 'POST', '/my/erase', { cookie: p.cookie, xff: p.xff, form: { csrf: p.csrf, confirm: 'yes' } });
  assert.equal(pg.status, 200, pg.text.slice(0, 300));
  await receiptSession(S.srv.base, api.receipt, 401);

  // The erasure log: one line per erasure, "<time> <64 hex>", nothing else; no case id in clear.
  const logPath = path.join(S.dir, 'erasure.log');
  assert.equal(statSync(logPath).mode & 0o777, 0o600);
  const log = readFileSync(logPath);
  const lines = log.toString('latin1').split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.equal(lines.length, 2);
  for (const l of lines) assert.match(l, /^\d{10} [0-9a-f]{64}$/);
  for (const c of S.cases) {
    for (const form of [c.caseId, c.caseId.toUpperCase(), Buffer.from(c.caseId, 'hex').toString('latin1')]) {
      assert.ok(!log.includes(Buffer.from(form, 'latin1')), 'no case id in the log');
    }
  }

  // Restore the backup made before: both cases come back, and are destroyed again at once.
  const R = path.join(newDir('takedown-restore-erased-'), 'data');
  mkdirSync(R, { mode: 0o700 });
  writeFileSync(path.join(R, 'erasure.log'), log, { mode: 0o600 }); // the log kept on this machine
  const r = ctl(['restore', '--data-dir', R, S.first]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /erasure log re-applied: 2 case\(s\) erased or purged after this backup was made were destroyed again/);
  for (const c of [api, pageCase]) {
    assert.equal(Number(sql(R, `SELECT count(*) FROM cases WHERE id='${c.caseId}'`)), 0);
    assert.equal(Number(sql(R, `SELECT count(*) FROM targets WHERE case_id='${c.caseId}'`)), 0);
    assert.equal(Number(sql(R, `SELECT count(*) FROM files WHERE case_id='${c.caseId}'`)), 0);
  }
  for (const id of fids) assert.ok(!existsSync(path.join(R, 'files', id)), `file ${id} is gone again`);
  assert.ok(readFileSync(path.join(R, 'erasure.log')).equals(log), 'the local log is kept as it was');
  const srv = await startServer({ dataDir: R, args: BASE_ARGS });
  try {
    await receiptSession(srv.base, api.receipt, 401);
    await receiptSession(srv.base, pageCase.receipt, 401);
    const v = await receiptSession(srv.base, kept.receipt);
    assert.equal((await call(srv.base, 'GET', '/api/v1/my/case', { cookie: v.cookie, xff: v.xff })).body.case, kept.caseId, 'control: the other cases stay');
  } finally {
    await srv.stop();
  }

  // Without this machine's log, a newer backup's log does the same (the log travels in backups).
  const second = path.join(path.dirname(S.first), 'second.tdbackup');
  assert.equal(ctl(['backup', '--data-dir', S.dir, second]).status, 0);
  const R2 = path.join(newDir('takedown-restore-log-'), 'data');
  assert.equal(ctl(['restore', '--data-dir', R2, second]).status, 0);
  const r3 = ctl(['restore', '--data-dir', R2, '--force', S.first]);
  assert.equal(r3.status, 0, r3.stderr);
  assert.match(r3.stdout, / 2 case\(s\) /);
  assert.equal(Number(sql(R2, `SELECT count(*) FROM cases WHERE id IN ('${api.caseId}','${pageCase.caseId}')`)), 0);
  rmSync(second);
});

test('an erase leaves no ciphertext of the case in the database or its WAL', async () => {
  const c = S.cases[5];
  const cts = ciphertexts(S.dir, c.caseId);
  assert.ok(cts.every((b) => dbBytes(S.dir).includes(b)), 'the scan sees the case before');
  const v = await receiptSession(S.srv.base, c.receipt);
  assert.equal((await call(S.srv.base, 'DELETE', '/api/v1/my/case', { cookie: v.cookie, csrf: v.csrf, xff: v.xff })).status, 200);
  const wal = path.join(S.dir, 'takedown.db-wal');
  assert.ok(!existsSync(wal) || statSync(wal).size === 0, 'the WAL was truncated');
  const after = dbBytes(S.dir);
  cts.forEach((b, i) => assert.ok(!after.includes(b), `ciphertext ${i} (${b.length} bytes) is still on disk`));
});

test('an erase while a reader holds the database: the service log says the WAL is not clear yet, the next tick clears it', async () => {
  const c = await report(S.srv.base, [png()]);
  const cts = ciphertexts(S.dir, c.caseId);
  const release = await holdReader(S.dir);
  let released = false;
  try {
    const logBefore = S.srv.log().length;
    const del = await call(S.srv.base, 'DELETE', '/api/v1/my/case', { cookie: c.victim.cookie, csrf: c.victim.csrf, xff: c.victim.xff });
    assert.equal(del.status, 200, 'the erase itself is done');
    await receiptSession(S.srv.base, c.receipt, 401);
    const said = S.srv.log().slice(logBefore);
    assert.match(said, /database log still holds pages of a destroyed case/);
    assert.ok(!said.includes(c.caseId), 'the log line names no case');
    await release();
    released = true;
    const t = await call(S.srv.base, 'POST', '/debug/tick', { json: {} });
    assert.equal(t.status, 200, t.text);
    assert.match(S.srv.log().slice(logBefore), /clear of destroyed cases now/);
    const after = dbBytes(S.dir);
    cts.forEach((b, i) => assert.ok(!after.includes(b), `ciphertext ${i} is still on disk after the tick`));
  } finally {
    if (!released) await release();
  }
});

test('backup --keep N keeps the N newest backups this tool wrote in that directory, and nothing else is touched', async () => {
  const out = newDir('takedown-backup-keep-');
  const names = ['a.tdbackup', 'b.tdbackup', 'c.tdbackup'];
  writeFileSync(path.join(out, 'notes.tdbackup'), 'not a backup\n');
  writeFileSync(path.join(out, 'other.txt'), 'takedown-backup 1 1\n');
  for (const n of names) {
    const r = ctl(['backup', '--data-dir', S.dir, '--keep', '2', path.join(out, n)]);
    assert.equal(r.status, 0, r.stderr);
  }
  assert.deepEqual(readdirSync(out).sort(), ['b.tdbackup', 'c.tdbackup', 'notes.tdbackup', 'other.txt']);
  const one = ctl(['backup', '--data-dir', S.dir, '--keep', '1', path.join(out, 'd.tdbackup')]);
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stderr, /removed the older backup .*b\.tdbackup/);
  assert.deepEqual(readdirSync(out).sort(), ['d.tdbackup', 'notes.tdbackup', 'other.txt']);
  // The limits, both sides; a name the pattern would not find is refused.
  for (const bad of ['0', '10001', '-1', 'x']) {
    const r = ctl(['backup', '--data-dir', S.dir, '--keep', bad, path.join(out, `k${bad}.tdbackup`)]);
    assert.equal(r.status, 2, `--keep ${bad}`);
  }
  const max = ctl(['backup', '--data-dir', S.dir, '--keep', '10000', path.join(out, 'e.tdbackup')]);
  assert.equal(max.status, 0, max.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['d.tdbackup', 'e.tdbackup', 'notes.tdbackup', 'other.txt']);
  const noSuffix = ctl(['backup', '--data-dir', S.dir, '--keep', '3', path.join(out, 'f.bak')]);
  assert.equal(noSuffix.status, 2);
  assert.match(noSuffix.stderr, /\.tdbackup/);
});
