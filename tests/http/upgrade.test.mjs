// Issue 15, upgrades: a database of the first released schema (tests/fixtures/schema5, made by
// the binaries of a960fce) is upgraded by the current takedownd when it starts: a backup is
// written first, every migration applies, the victim's receipt still opens the case, staff sign in
// with their old passwords (the accounts get their keypairs then), the audit chain verifies. A
// database newer than the program is refused with a clear message, and so is an upgrade whose
// backup cannot be written, with nothing changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { REPO, TAKEDOWND, startServer, ctl, tempDir, call, freePort, sql, withDb, initStaff, ON_PG, sqliteOnly } from './lib.mjs';

const FIXTURE = path.join(REPO, 'tests/fixtures/schema5/takedown.db');
const RECEIPT = '9476 5874 8052 9404 2859';
const CASE = 'a00cc0d4311f2f94356c';
const PW = { admin: 'Admin-first-schema-1', cw1: 'Caseworker-first-schema-1' };
const NEWEST = Math.max(...readdirSync(path.join(REPO, 'schema')).map((f) => Number(f.slice(0, 4))).filter(Boolean));

function oldCopy() {
  const dir = tempDir('takedown-upgrade-');
  copyFileSync(FIXTURE, path.join(dir, 'takedown.db'));
  assert.equal(sql(dir, 'PRAGMA user_version'), '5');
  return dir;
}

test('from schema 5 with data: backup first, every migration, the receipt opens, staff sign in with their old passwords', sqliteOnly('the schema-5 database is a SQLite file; PostgreSQL starts at schema 17'), async () => {
  const dir = oldCopy();
  const srv = await startServer({ dataDir: dir });
  try {
    const log = srv.log();
    assert.match(log, new RegExp(`upgrading the database from schema 5 to ${NEWEST}: a backup was written first to ${dir}/upgrade-backups/schema-5-to-${NEWEST}-\\d+\\.tdbackup`));
    const backups = path.join(dir, 'upgrade-backups');
    assert.equal(statSync(backups).mode & 0o777, 0o700);
    const files = readdirSync(backups);
    assert.equal(files.length, 1);
    assert.equal(statSync(path.join(backups, files[0])).mode & 0o777, 0o600);
    assert.ok(log.indexOf('a backup was written first') < log.indexOf('applied migration 0006'), 'the backup before the first migration');
    assert.equal((await call(srv.base, 'GET', '/healthz')).body.schema, NEWEST);

    const rs = await call(srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: RECEIPT } });
    assert.equal(rs.status, 200, rs.text);
    const my = await call(srv.base, 'GET', '/api/v1/my/case', { cookie: rs.cookies.td_session });
    assert.equal(my.body.case, CASE);
    assert.deepEqual(my.body.targets.map((t) => t.state).sort(), ['notice_sent', 'reported']);
    assert.ok(JSON.stringify(my.body).includes('我们已向平台发出通知。'), 'the staff message reads');

    assert.equal(sql(dir, "SELECT count(*) FROM staff WHERE public_key IS NULL"), '2', 'no keypairs before the first sign-in');
    const wrong = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'cw1', password: 'not-the-password' } });
    assert.equal(wrong.status, 401);
    assert.equal(sql(dir, "SELECT count(*) FROM staff WHERE public_key IS NULL"), '2', 'a wrong password changes nothing');
    for (const login of ['cw1', 'admin']) {
      const s = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login, password: PW[login] } });
      assert.equal(s.status, 200, `${login}: ${s.text}`);
      const v = await call(srv.base, 'GET', `/api/v1/staff/cases/${CASE}`, { cookie: s.cookies.td_session });
      assert.equal(v.status, 200);
      assert.equal(v.body.request.description, '升级前的案件');
    }
    assert.equal(sql(dir, "SELECT count(*) FROM staff WHERE public_key IS NULL"), '0', 'each account has its keypair now');
    assert.match(srv.log(), /account cw1 got its own keypair/);
    const again = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'cw1', password: PW.cw1 } });
    assert.equal(again.status, 200, 'and signs in again the new way');
  } finally {
    await srv.stop();
  }
  const verify = ctl(['audit', 'verify', '--data-dir', dir]);
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  const second = await startServer({ dataDir: dir });
  await second.stop();
  assert.doesNotMatch(second.log(), /upgrading the database/, 'already at the newest schema: no backup, no migration');
  assert.equal(readdirSync(path.join(dir, 'upgrade-backups')).length, 1);
});

test('a database newer than the program is refused, by takedownd and takedownctl alike', async () => {
  // PostgreSQL keeps its version in a table, not in SQLite's user_version.
  const version = ON_PG ? 'SELECT version FROM schema_version' : 'PRAGMA user_version';
  const dir = ON_PG ? initStaff('takedown-upgrade-').dir : oldCopy();
  sql(dir, ON_PG ? 'UPDATE schema_version SET version = 99' : 'PRAGMA user_version=99');
  const port = await freePort();
  const r = spawnSync(TAKEDOWND, withDb(['--data-dir', dir, '--listen', `127.0.0.1:${port}`]), { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`the database is newer \\(schema 99\\) than this program \\(${NEWEST}\\)`));
  const c = ctl(['stats', '--data-dir', dir]);
  assert.equal(c.status, 1);
  assert.match(c.stderr, /the database is newer \(schema 99\)/);
  assert.equal(sql(dir, version), '99', 'untouched');
});

test('an upgrade whose backup cannot be written does not start, and changes nothing', sqliteOnly('the backup before an upgrade is a SQLite file; PostgreSQL is backed up with its own tools'), () => {
  const dir = oldCopy();
  writeFileSync(path.join(dir, 'upgrade-backups'), 'not a directory');
  const r = spawnSync(TAKEDOWND, ['--data-dir', dir, '--listen', '127.0.0.1:1'], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot back up the database before upgrading it from schema 5 to \d+; nothing was changed/);
  assert.equal(sql(dir, 'PRAGMA user_version'), '5');
});
