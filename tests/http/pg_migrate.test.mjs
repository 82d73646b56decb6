// Moving an installation (issue 16): `takedownctl migrate --from DIR --to postgresql://...` copies
// a SQLite installation's rows as they are stored (no key given), stopped half way and run again
// to go on, then verifies. takedownd on the result, with the same data dir: every receipt opens its
// case, every staff password signs in, the screenshot opens, the queue lists the cases, the audit
// chain verifies; a second copy into the same database is refused. Then the backup PostgreSQL's
// own tools make (pg_dump, pg_restore), with the erasure log re-applied by takedownctl restore.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { postgresBin, startCluster } from './pg_cluster.mjs';
import { startServer, call, ctl, initStaff, tempDir, validReport, reportForm, formToken, sql } from './lib.mjs';

let pg, dir, pw;
const receipts = [];
let shot, formCase, incident;
let seq = 0;
const addr = () => `10.80.0.${++seq}`;

const signIn = async (base, login) => {
  const s = await call(base, 'POST', '/api/v1/staff/session', { json: { login, password: pw[login] }, xff: addr() });
  return { status: s.status, cookie: s.cookies.td_session, csrf: s.body?.csrf, xff: addr() };
};

before(async () => {
  // An installation on SQLite with reports, a screenshot, staff work and their audit entries.
  ({ dir, pw } = initStaff('takedown-migrate-', [['cw1', 'caseworker'], ['aud1', 'auditor']]));
  const srv = await startServer({ dataDir: dir, args: ['--trust-proxy'] });
  try {
    for (let i = 0; i < 3; i++) {
      const r = await call(srv.base, 'POST', '/api/v1/cases', { json: validReport(), xff: addr() });
      assert.equal(r.status, 201, r.text);
      receipts.push({ receipt: r.body.receipt, case: r.body.case });
    }
    const xff = addr();
    const page = await call(srv.base, 'GET', '/report', { xff });
    const csrf = formToken(page.text);
    shot = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008060000', 'hex'), Buffer.from('migrate')]);
    const post = await call(srv.base, 'POST', '/report', { xff, jar: 'td_csrf=' + page.cookies.td_csrf, multipart: reportForm(csrf, shot) });
    assert.equal(post.status, 303);
    formCase = (await call(srv.base, 'GET', '/api/v1/my/case', { cookie: post.cookies.td_session, xff })).body.case;
    const cw = await signIn(srv.base, 'cw1');
    assert.equal(cw.status, 200);
    const inc = await call(srv.base, 'POST', '/api/v1/staff/incidents', { ...cw, json: { label: '迁移的事件' } });
    assert.equal(inc.status, 201, inc.text);
    incident = inc.body.id;
    assert.equal((await call(srv.base, 'POST', `/api/v1/staff/cases/${receipts[0].case}/incident`, { ...cw, json: { incident } })).status, 200);
  } finally {
    await srv.stop();
  }
  pg = await startCluster();
});

after(async () => {
  if (pg) await pg.stop();
});

test('migrate stops where it is told, goes on when run again, and verifies the copy', () => {
  const part = ctl(['migrate', '--from', dir, '--to', pg.url, '--stop-after-rows', '20']);
  assert.equal(part.status, 3, part.stdout + part.stderr);
  assert.match(part.stdout, /stopped after 20 rows/);
  const cases = Number(pg.psql('SELECT count(*) FROM cases')[0][0]);
  assert.ok(cases < receipts.length + 1, 'not every case was copied yet');
  const rest = ctl(['migrate', '--from', dir, '--to', pg.url]);
  assert.equal(rest.status, 0, rest.stdout + rest.stderr);
  assert.match(rest.stdout, /verified it: every table's rows, the audit chain/);
  assert.equal(pg.psql('SELECT count(*) FROM cases')[0][0], String(receipts.length + 1));
  const again = ctl(['migrate', '--from', dir, '--to', pg.url]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /holds another installation/);
});

test('on the copy: every receipt opens its case, staff passwords sign in, the screenshot opens, the audit chain verifies', async () => {
  const srv = await startServer({ dataDir: dir, args: ['--trust-proxy', '--db', pg.url] });
  try {
    for (const r of receipts) {
      const s = await call(srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: r.receipt }, xff: addr() });
      assert.equal(s.status, 200, `receipt of ${r.case}`);
      const mine = await call(srv.base, 'GET', '/api/v1/my/case', { cookie: s.cookies.td_session, xff: addr() });
      assert.equal(mine.body.case, r.case);
    }
    for (const login of ['admin', 'cw1', 'aud1']) assert.equal((await signIn(srv.base, login)).status, 200, `${login} signs in`);
    const cw = await signIn(srv.base, 'cw1');
    const view = await call(srv.base, 'GET', `/api/v1/staff/cases/${formCase}`, cw);
    assert.equal(view.status, 200, view.text);
    const file = await call(srv.base, 'GET', `/api/v1/staff/files/${view.body.screenshots[0].id}`, cw);
    assert.ok(file.bytes.equals(shot), 'the screenshot, as it was');
    const withIncident = await call(srv.base, 'GET', `/api/v1/staff/cases/${receipts[0].case}`, cw);
    assert.equal(withIncident.body.incident, incident);
    const q = await call(srv.base, 'GET', '/api/v1/staff/cases?queue=all&limit=50', cw);
    assert.equal(q.body.cases.length, receipts.length + 1, 'the queue, made again by PostgreSQL');
    // New rows go on after the copied ones.
    const fresh = await call(srv.base, 'POST', '/api/v1/cases', { json: validReport(), xff: addr() });
    assert.equal(fresh.status, 201, fresh.text);
  } finally {
    await srv.stop();
  }
  const audit = ctl(['audit', 'verify', '--data-dir', dir, '--db', pg.url]);
  assert.equal(audit.status, 0, audit.stdout + audit.stderr);
  const check = ctl(['check', '--data-dir', dir, '--db', pg.url]);
  assert.equal(check.status, 0, check.stdout + check.stderr);
});

test('PostgreSQL is backed up by its own tools; takedownctl restore re-applies the erasures made after the dump', async () => {
  const refused = ctl(['backup', '--data-dir', dir, '--db', pg.url, path.join(tempDir('takedown-pgbackup-'), 'x.tdbackup')]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /backed up with its own tools/);
  const dump = path.join(tempDir('takedown-pgdump-'), 'takedown.dump');
  const host = ['-h', pg.dir, '-p', String(pg.port), '-U', 'takedown'];
  const d = spawnSync(path.join(postgresBin(), 'pg_dump'), [...host, '-Fc', '-f', dump, 'takedown'], { encoding: 'utf8' });
  assert.equal(d.status, 0, d.stderr);
  // After the dump the victim of the second case erases it.
  const srv = await startServer({ dataDir: dir, args: ['--trust-proxy', '--db', pg.url] });
  try {
    const s = await call(srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: receipts[1].receipt }, xff: addr() });
    const erased = await call(srv.base, 'DELETE', '/api/v1/my/case', { cookie: s.cookies.td_session, csrf: s.body.csrf, xff: addr() });
    assert.equal(erased.status, 200, erased.text);
  } finally {
    await srv.stop();
  }
  pg.psql('CREATE DATABASE td_restored', 'postgres');
  const r = spawnSync(path.join(postgresBin(), 'pg_restore'), [...host, '-d', 'td_restored', dump], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const restoredUrl = pg.url.replace('/takedown?', '/td_restored?');
  assert.equal(pg.psql(`SELECT count(*) FROM cases WHERE id = '${receipts[1].case}'`, 'td_restored')[0][0], '1', 'the dump still holds it');
  const again = ctl(['restore', '--data-dir', dir, '--db', restoredUrl]);
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /1 case\(s\) erased or purged after this backup was made were destroyed again/);
  assert.equal(pg.psql(`SELECT count(*) FROM cases WHERE id = '${receipts[1].case}'`, 'td_restored')[0][0], '0', 'erased again');
  const back = await startServer({ dataDir: dir, args: ['--trust-proxy', '--db', restoredUrl] });
  try {
    const gone = await call(back.base, 'POST', '/api/v1/receipt/session', { json: { receipt: receipts[1].receipt }, xff: addr() });
    assert.equal(gone.status, 401, 'the erased case stays erased');
    const kept = await call(back.base, 'POST', '/api/v1/receipt/session', { json: { receipt: receipts[0].receipt }, xff: addr() });
    assert.equal(kept.status, 200);
  } finally {
    await back.stop();
  }
});

test('a source whose tables were changed by hand is refused before anything is copied, naming the table', () => {
  const changed = tempDir('takedown-migrate-changed-');
  fs.copyFileSync(path.join(dir, 'takedown.db'), path.join(changed, 'takedown.db'));
  sql(changed, 'ALTER TABLE notes ADD COLUMN extra TEXT');
  pg.psql('CREATE DATABASE td_changed', 'postgres');
  const r = ctl(['migrate', '--from', changed, '--to', pg.url.replace('/takedown?', '/td_changed?')]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /columns of notes are not those of schema 17/);
  assert.match(r.stderr, /changed outside takedown/);
  assert.equal(pg.psql('SELECT count(*) FROM org', 'td_changed')[0][0], '0', 'nothing copied');
  assert.equal(pg.psql("SELECT count(*) FROM meta WHERE key = 'migrate_source'", 'td_changed')[0][0], '0', 'no mark left');
});
