// Staff keys against the real binaries: each account's own keypair, what disabling destroys,
// resets that give new keys (and never to a disabled account), TOTP keyed by the account, session
// wraps bound to their subject, and `takedownctl org rotate` seen by a thief who kept an old copy
// of the database and a departed member's password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, ctl, tempDir, base32Decode, totpAt, call as callAs, sql, ON_PG, sqliteOnly } from './lib.mjs';

const PROBE = process.env.TOOL_OLDKEY_PROBE || path.resolve('build/oldkey_probe');
const marker = () => 'KeyPw-' + randomBytes(8).toString('hex');
const mark = (s) => `${s}-${randomBytes(4).toString('hex')}`;
let addrSeq = 0;
const addr = () => `10.9.${Math.floor(addrSeq / 200)}.${(addrSeq++ % 200) + 1}`;

function makeDir(users) {
  const dir = tempDir('takedown-keys-');
  const pw = { admin: marker() };
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]);
  assert.equal(init.status, 0, init.stderr);
  const recovery = /^recovery-key: (\S+)$/m.exec(init.stdout)[1];
  for (const [login, role] of Object.entries(users)) {
    pw[login] = marker();
    const r = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', role, login],
      [pw.admin, pw[login], pw[login]]);
    assert.equal(r.status, 0, r.stderr);
  }
  return { dir, pw, recovery };
}

const call = async (base, method, p, opts = {}) => {
  const r = await callAs(base, method, p, { ...opts, xff: opts.xff || addr() });
  return { ...r, cookie: r.cookies.td_session };
};

async function signIn(s, login, password, totp) {
  const json = { login, password };
  if (totp) json.totp = totp;
  const r = await call(s.base, 'POST', '/api/v1/staff/session', { json });
  if (r.status === 200) r.csrf = r.body.csrf;
  return r;
}
const as = (s, who, method, p, json) =>
  call(s.base, method, p, { cookie: who.cookie, csrf: who.csrf, json });

async function clock(s, q) {
  const r = await call(s.base, 'POST', `/debug/clock?${q}`, { json: {} });
  assert.equal(r.status, 200);
  return r.body.now;
}

// Enrols a TOTP generator for a signed-in account; returns its key. Moves the clock a step on
// so the confirming code is never reused by the next sign-in.
async function enrol(s, who) {
  const begin = await as(s, who, 'POST', '/api/v1/staff/totp', {});
  assert.equal(begin.status, 200, begin.text);
  const key = base32Decode(begin.body.secret);
  const now = await clock(s, 'seconds=0');
  const ok = await as(s, who, 'POST', '/api/v1/staff/totp/confirm', { code: totpAt(key, Math.floor(now / 30)) });
  assert.equal(ok.status, 200, ok.text);
  await clock(s, 'seconds=30');
  return key;
}

function report(url, description) {
  return {
    language: 'zh-CN',
    requester: { role: 'self', name: '王小明', contact: { channel: 'phone', value: '+86 139 0000 1111' } },
    incident: { type: 'crime', date: '2024-05-01', place: '上海' },
    description,
    consent: { share_identity_with_platform: true, preservation: 'fingerprint' },
    good_faith: true,
    signature: '王小明',
    targets: [{ kind: 'online', url, platform: 'douyin' }],
  };
}
const douyin = () => `https://www.douyin.com/video/73${randomBytes(8).readBigUInt64BE() % 10n ** 16n}`;

let D; // {dir, pw, recovery}
let srv;
const dirs = [];

before(async () => {
  D = makeDir({ cw1: 'caseworker', leaver: 'caseworker', cw2: 'caseworker', aud1: 'auditor' });
  dirs.push(D.dir);
  srv = await startServer({ dataDir: D.dir, args: ['--trust-proxy', '--debug-routes'] });
  await clock(srv, 'freeze=1');
});

after(async () => {
  if (srv) await srv.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('every account has a keypair of its own: the org key is sealed to it, auditors get no org key', () => {
  const rows = sql(D.dir, "SELECT login, length(public_key), org_seal IS NOT NULL, length(key_wrap) > 0 FROM staff ORDER BY login");
  assert.deepEqual(rows.split('\n'), ['admin|32|1|1', 'aud1|32|0|1', 'cw1|32|1|1', 'cw2|32|1|1', 'leaver|32|1|1']);
  const keys = sql(D.dir, 'SELECT count(DISTINCT public_key) FROM staff');
  assert.equal(keys, '5', 'no two accounts share a key');
});

test('disabling an account destroys its key wrap, org seal and TOTP secret; its password opens nothing', async () => {
  const leaver = await signIn(srv, 'leaver', D.pw.leaver);
  assert.equal(leaver.status, 200, leaver.text);
  await enrol(srv, { cookie: leaver.cookie, csrf: leaver.csrf });
  assert.equal(sql(D.dir, "SELECT totp_secret IS NOT NULL AND org_seal IS NOT NULL FROM staff WHERE login = 'leaver'"), '1');

  const r = ctl(['user', 'disable', '--data-dir', D.dir, '--as', 'admin', 'leaver'], [D.pw.admin]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    sql(D.dir, "SELECT disabled, length(key_wrap), public_key IS NULL, org_seal IS NULL, totp_secret IS NULL, totp_pending IS NULL FROM staff WHERE login = 'leaver'"),
    '1|0|1|1|1|1', 'nothing of the account\'s keys is left');
  assert.equal((await call(srv.base, 'GET', '/api/v1/staff/me', { cookie: leaver.cookie })).status, 401, 'its session ended');
  assert.equal((await signIn(srv, 'leaver', D.pw.leaver)).status, 401);
});

test('an admin cannot reset a disabled account: that would hand the org key back', async () => {
  const admin = await signIn(srv, 'admin', D.pw.admin);
  const before = sql(D.dir, "SELECT hex(key_wrap) || '|' || coalesce(hex(org_seal), '') FROM staff WHERE login = 'leaver'");
  const r = await as(srv, admin, 'PUT', '/api/v1/admin/staff/leaver/password', { password: marker() });
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.error.code, 'account_disabled');
  assert.equal(r.body.error.field, 'login');
  assert.equal(sql(D.dir, "SELECT hex(key_wrap) || '|' || coalesce(hex(org_seal), '') FROM staff WHERE login = 'leaver'"), before);
  // The other side: an enabled account is reset.
  const ok = await as(srv, admin, 'PUT', '/api/v1/admin/staff/cw2/password', { password: (D.pw.cw2 = marker()) });
  assert.equal(ok.status, 200, ok.text);
});

test('an admin reset clears TOTP and asks for re-enrolment, for a caseworker and for an auditor', async () => {
  const admin = await signIn(srv, 'admin', D.pw.admin);
  const c = await call(srv.base, 'POST', '/api/v1/cases', { json: report(douyin(), mark('描述')) });
  assert.equal(c.status, 201, c.text);
  for (const login of ['cw1', 'aud1']) {
    const s = await signIn(srv, login, D.pw[login]);
    assert.equal(s.status, 200, s.text);
    await enrol(srv, s);
    const needsCode = await signIn(srv, login, D.pw[login]);
    assert.equal(needsCode.status, 401, 'enrolled: the password alone is not enough');
    assert.equal(needsCode.body.error.field, 'totp');
    D.pw[login] = marker();
    const reset = await as(srv, admin, 'PUT', `/api/v1/admin/staff/${login}/password`, { password: D.pw[login] });
    assert.equal(reset.status, 200, reset.text);
    assert.equal(sql(D.dir, `SELECT totp_secret IS NULL FROM staff WHERE login = '${login}'`), '1');
    const again = await signIn(srv, login, D.pw[login]);
    assert.equal(again.status, 200, `${login} signs in with the new password and no code: ${again.text}`);
    // Re-enrolment works with the new account key, and then the code is asked for again.
    const key = await enrol(srv, again);
    const now = await clock(srv, 'seconds=0');
    assert.equal((await signIn(srv, login, D.pw[login])).status, 401);
    const withCode = await signIn(srv, login, D.pw[login], totpAt(key, Math.floor(now / 30)));
    assert.equal(withCode.status, 200, withCode.text);
    if (login === 'cw1') {
      const v = await as(srv, withCode, 'GET', `/api/v1/staff/cases/${c.body.case}`);
      assert.equal(v.status, 200, 'the reset account still holds the org key');
    }
  }
});

test('session wraps are bound to their subject: a row pointed at another account or case opens nothing', async () => {
  const cw = await signIn(srv, 'cw2', D.pw.cw2);
  assert.equal(cw.status, 200);
  sql(D.dir, "UPDATE sessions SET staff_id = (SELECT id FROM staff WHERE login = 'admin') WHERE staff_id = (SELECT id FROM staff WHERE login = 'cw2')");
  const me = await call(srv.base, 'GET', '/api/v1/staff/me', { cookie: cw.cookie });
  assert.equal(me.status, 401, 'not an admin session: ' + me.text);

  const victims = [];
  for (let i = 0; i < 2; i++) {
    const c = await call(srv.base, 'POST', '/api/v1/cases', { json: report(douyin(), mark('描述')) });
    const s = await call(srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: c.body.receipt } });
    assert.equal(s.status, 200);
    victims.push({ caseId: c.body.case, cookie: s.cookie });
  }
  // The other side: untouched, the session opens its case.
  assert.equal((await call(srv.base, 'GET', '/api/v1/my/case', { cookie: victims[0].cookie })).status, 200);
  sql(D.dir, `UPDATE sessions SET case_id = '${victims[1].caseId}' WHERE case_id = '${victims[0].caseId}'`);
  assert.equal((await call(srv.base, 'GET', '/api/v1/my/case', { cookie: victims[0].cookie })).status, 401);
  sql(D.dir, `UPDATE sessions SET kind = 'staff', staff_id = 1, case_id = NULL WHERE case_id = '${victims[1].caseId}'`);
  assert.equal((await call(srv.base, 'GET', '/api/v1/staff/me', { cookie: victims[1].cookie })).status, 401);
});

test('the org key cannot open anyone\'s TOTP secret, and an old copy of the database tells nothing new after a rotation', async () => {
  const R = makeDir({ cw1: 'caseworker', leaver: 'caseworker', aud1: 'auditor' });
  dirs.push(R.dir);
  const s = await startServer({ dataDir: R.dir, args: ['--trust-proxy', '--debug-routes'] });
  try {
    await clock(s, 'freeze=1');
    let cw = await signIn(s, 'cw1', R.pw.cw1);
    const cwTotp = await enrol(s, cw);
    let now = await clock(s, 'seconds=0');
    cw = await signIn(s, 'cw1', R.pw.cw1, totpAt(cwTotp, Math.floor(now / 30)));
    assert.equal(cw.status, 200, cw.text);
    const urlA = douyin();
    const descA = mark('案件A描述');
    const A = await call(s.base, 'POST', '/api/v1/cases', { json: report(urlA, descA) });
    assert.equal(A.status, 201);
    const label = mark('事件标签');
    const inc = await as(s, cw, 'POST', '/api/v1/staff/incidents', { label });
    assert.equal(inc.status, 201, inc.text);
    assert.equal((await as(s, cw, 'POST', `/api/v1/staff/cases/${A.body.case}/incident`, { incident: inc.body.id })).status, 200);
    assert.equal((await as(s, cw, 'GET', `/api/v1/staff/cases/${A.body.case}`)).status, 200);

    // The leaver keeps a copy of the database, then leaves. (The copy is a SQLite file, which
    // oldkey_probe reads: on PostgreSQL the rotation itself is tested, not the thief's copy.)
    const old = tempDir('takedown-keys-old-');
    dirs.push(old);
    const probe = (dir) => {
      const r = spawnSync(PROBE, [old, 'leaver', dir, urlA], { input: R.pw.leaver + '\n', encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    if (!ON_PG) {
      sql(R.dir, `VACUUM INTO '${path.join(old, 'takedown.db')}'`);
      // Positive control: with the copy itself, the leaver's key opens everything of its time.
      const before = probe(old);
      assert.deepEqual([before.current_org_key, before.cases, before.cases_opened, before.labels_opened, before.totp_opened],
        [true, 1, 1, 1, 0], 'the org key opens the cases and labels, but no account\'s TOTP secret');
      assert.equal(sql(old, `SELECT count(*) FROM blind_index WHERE value = X'${before.guess_index}'`), '1',
        'with the old key a guessed link is confirmed in the old copy');
    }

    assert.equal(ctl(['user', 'disable', '--data-dir', R.dir, '--as', 'admin', 'leaver'], [R.pw.admin]).status, 0);
    const usage = ctl(['org', 'rotate', '--data-dir', R.dir], [R.pw.admin]);
    assert.equal(usage.status, 2, 'rotate names the admin');
    const wrong = ctl(['org', 'rotate', '--data-dir', R.dir, '--as', 'admin'], ['not-the-password']);
    assert.equal(wrong.status, 1);
    assert.equal(sql(R.dir, 'SELECT key_epoch FROM org'), '1', 'a refused rotation changes nothing');
    const rot = ctl(['org', 'rotate', '--data-dir', R.dir, '--as', 'admin'], [R.pw.admin]);
    assert.equal(rot.status, 0, rot.stderr);
    assert.match(rot.stderr, /1\/1 cases/, 'progress');
    const newRecovery = /^recovery-key: (\S+)$/m.exec(rot.stdout)[1];
    assert.notEqual(newRecovery, R.recovery);
    assert.equal(sql(R.dir, 'SELECT key_epoch FROM org'), '2');
    assert.equal(sql(R.dir, "SELECT count(*) FROM sessions WHERE kind = 'staff'"), '0', 'staff sessions end');

    // Enabled staff keep working; the victim's receipt still opens the case.
    assert.equal((await call(s.base, 'GET', '/api/v1/staff/me', { cookie: cw.cookie })).status, 401);
    now = await clock(s, 'seconds=30');
    cw = await signIn(s, 'cw1', R.pw.cw1, totpAt(cwTotp, Math.floor(now / 30)));
    assert.equal(cw.status, 200, 'TOTP survives a rotation: ' + cw.text);
    const va = await as(s, cw, 'GET', `/api/v1/staff/cases/${A.body.case}`);
    assert.equal(va.status, 200);
    assert.equal(va.body.request.description, descA, "the case still decrypts");
    const list = await as(s, cw, 'GET', '/api/v1/staff/incidents');
    assert.equal(list.body.incidents.find((x) => x.id === inc.body.id).label, label);
    const B = await call(s.base, 'POST', '/api/v1/cases', { json: report(urlA, mark('案件B描述')) });
    const vb = await as(s, cw, 'GET', `/api/v1/staff/cases/${B.body.case}`);
    assert.equal(vb.status, 200);
    assert.deepEqual(vb.body.matches.filter((m) => m.on === 'url').map((m) => m.case), [A.body.case],
      'blind indexes of the old case were made again under the new key');
    const rs = await call(s.base, 'POST', '/api/v1/receipt/session', { json: { receipt: A.body.receipt } });
    assert.equal(rs.status, 200);
    assert.equal((await call(s.base, 'GET', '/api/v1/my/case', { cookie: rs.cookie })).status, 200);

    // The thief's view of the newer database.
    if (!ON_PG) {
      sql(R.dir, 'PRAGMA wal_checkpoint(TRUNCATE)');
      const after = probe(R.dir);
      assert.deepEqual([after.current_org_key, after.cases, after.cases_opened, after.labels, after.labels_opened],
        [false, 2, 0, 1, 0], 'the old key opens no case key and no label written at or after the rotation');
      assert.equal(sql(R.dir, `SELECT count(*) FROM blind_index WHERE value = X'${after.guess_index}'`), '0',
        'nor confirms a guessed link');
    }
    assert.ok(Number(sql(R.dir, 'SELECT count(*) FROM blind_index')) >= 2, 'while the new indexes exist');

    // The old recovery key opens nothing; the new one does.
    const newPw = marker();
    assert.equal(ctl(['recover', '--data-dir', R.dir, 'admin'], [R.recovery, newPw, newPw]).status, 1);
    assert.equal(ctl(['recover', '--data-dir', R.dir, 'admin'], [newRecovery, newPw, newPw]).status, 0);
    assert.equal((await signIn(s, 'admin', newPw)).status, 200);
    const audit = ctl(['audit', 'verify', '--data-dir', R.dir]);
    assert.equal(audit.status, 0, audit.stdout);
    assert.equal(sql(R.dir, "SELECT count(*) FROM audit WHERE action = 'org.rotate' AND actor = 'staff:admin'"), '1');
  } finally {
    await s.stop();
  }
});

// ---- attack9a: what the raw files still hold after a disable or a rotation ----

// Whether any of the given byte strings (hex) still sits anywhere in the database file or its log,
// as a thief who copies the disk reads them. Each needle is the last 32 bytes of a
// ciphertext's end (the tag and what precedes it): unique, and never made again by chance.
function rawHolds(dir, needles) {
  const files = ['takedown.db', 'takedown.db-wal'].map((f) => path.join(dir, f)).filter((f) => existsSync(f));
  const hay = Buffer.concat(files.map((f) => readFileSync(f)));
  return needles.filter((h) => hay.includes(Buffer.from(h, 'hex').subarray(-32)));
}

test('a disabled account\'s wraps are gone from the raw files too, not only from the table (the running service keeps the log)', sqliteOnly("PostgreSQL keeps a row's old versions until VACUUM reuses their space, and in its write-ahead log (docs/operations.md, erasure on PostgreSQL)"), async () => {
  const R = makeDir({ gone: 'caseworker', stay: 'caseworker' });
  dirs.push(R.dir);
  const s = await startServer({ dataDir: R.dir, args: ['--trust-proxy', '--debug-routes'] });
  try {
    await clock(s, 'freeze=1');
    const g = await signIn(s, 'gone', R.pw.gone);
    assert.equal(g.status, 200, g.text);
    await enrol(s, g);
    const wraps = sql(R.dir, "SELECT hex(key_wrap), hex(org_seal), hex(totp_secret) FROM staff WHERE login = 'gone'").split('|');
    const other = sql(R.dir, "SELECT hex(key_wrap) FROM staff WHERE login = 'stay'");
    assert.deepEqual(rawHolds(R.dir, [other]), [other], 'control: the scan finds what the file holds');
    assert.equal(ctl(['user', 'disable', '--data-dir', R.dir, '--as', 'admin', 'gone'], [R.pw.admin]).status, 0);
    assert.deepEqual(rawHolds(R.dir, wraps), [], 'no byte of the password wrap, org seal or TOTP secret is left');

    // An admin's reset over HTTP: the old wrap (which the old, perhaps leaked, password opens)
    // and the old seal are gone from the raw files as well.
    const stay = await signIn(s, 'stay', R.pw.stay);
    assert.equal(stay.status, 200);
    const stayOld = sql(R.dir, "SELECT hex(key_wrap), hex(org_seal) FROM staff WHERE login = 'stay'").split('|');
    assert.equal(rawHolds(R.dir, stayOld).length, 2, 'control: both are in the files before');
    const admin = await signIn(s, 'admin', R.pw.admin);
    const reset = await as(s, admin, 'PUT', '/api/v1/admin/staff/stay/password', { password: marker() });
    assert.equal(reset.status, 200, reset.text);
    assert.deepEqual(rawHolds(R.dir, stayOld), [], 'the replaced wrap and seal are not left behind');
  } finally {
    await s.stop();
  }
});

test('after org rotate the raw files hold no wrap under the old key: case seals and wraps, account seals, the recovery wrap', sqliteOnly("PostgreSQL keeps a row's old versions until VACUUM reuses their space, and in its write-ahead log (docs/operations.md, erasure on PostgreSQL)"), async () => {
  const R = makeDir({ cw1: 'caseworker' });
  dirs.push(R.dir);
  const s = await startServer({ dataDir: R.dir, args: ['--trust-proxy', '--debug-routes'] });
  try {
    const cw = await signIn(s, 'cw1', R.pw.cw1);
    const A = await call(s.base, 'POST', '/api/v1/cases', { json: report(douyin(), mark('描述')) });
    assert.equal(A.status, 201);
    assert.equal((await as(s, cw, 'GET', `/api/v1/staff/cases/${A.body.case}`)).status, 200);
    const old = [
      ...sql(R.dir, `SELECT hex(sealed_key), hex(org_wrap) FROM cases WHERE id = '${A.body.case}'`).split('|'),
      sql(R.dir, "SELECT hex(org_seal) FROM staff WHERE login = 'cw1'"),
      sql(R.dir, 'SELECT hex(recovery_wrap) FROM org'),
    ];
    assert.equal(old.length, 4);
    assert.equal(rawHolds(R.dir, old).length, 4, 'control: all four are in the files before');
    const rot = ctl(['org', 'rotate', '--data-dir', R.dir, '--as', 'admin'], [R.pw.admin]);
    assert.equal(rot.status, 0, rot.stderr);
    assert.deepEqual(rawHolds(R.dir, old), [], 'nothing the old org key opens is left in the raw files');
  } finally {
    await s.stop();
  }
});

test('a restore does not bring a disabled account back: the disable is in the erasure log and restore applies it again', sqliteOnly('takedownctl backup and restore copy a SQLite file; PostgreSQL is backed up with its own tools'), async () => {
  const R = makeDir({ leaver: 'caseworker', stay: 'caseworker' });
  dirs.push(R.dir);
  const file = path.join(tempDir('takedown-keys-bak-'), 'before.tdbackup');
  dirs.push(path.dirname(file));
  const b = ctl(['backup', '--data-dir', R.dir, file]);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(ctl(['user', 'disable', '--data-dir', R.dir, '--as', 'admin', 'leaver'], [R.pw.admin]).status, 0);
  const log = readFileSync(path.join(R.dir, 'erasure.log'), 'latin1');
  assert.match(log, /^\d{10} [0-9a-f]{64}\n$/, 'one line, in the log\'s one form');
  assert.ok(!log.includes('leaver'), 'no login in clear');
  // The other side: a refused disable (the last admin) writes no line, so no restore disables it.
  const last = ctl(['user', 'disable', '--data-dir', R.dir, '--as', 'admin', 'admin'], [R.pw.admin]);
  assert.notEqual(last.status, 0);
  assert.equal(readFileSync(path.join(R.dir, 'erasure.log'), 'latin1'), log);

  // The machine's disk failed; the backup from before the disable is restored over it.
  const r = ctl(['restore', '--data-dir', R.dir, '--force', file]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1 account\(s\) disabled after this backup was made were disabled again/);
  assert.equal(sql(R.dir, "SELECT disabled, length(key_wrap), public_key IS NULL, org_seal IS NULL FROM staff WHERE login = 'leaver'"), '1|0|1|1');
  assert.equal(sql(R.dir, "SELECT disabled FROM staff WHERE login = 'stay'"), '0', 'control: the others stay');
  const s = await startServer({ dataDir: R.dir, args: ['--trust-proxy', '--debug-routes'] });
  try {
    assert.equal((await signIn(s, 'leaver', R.pw.leaver)).status, 401, 'the departed member cannot sign in to the restored service');
    assert.equal((await signIn(s, 'stay', R.pw.stay)).status, 200);
  } finally {
    await s.stop();
  }
});
