// takedownd on PostgreSQL (issue 16) when the database goes away and comes back: /healthz says
// 503 while it is unreachable and 200 again after, a report is refused with 503 meanwhile (never
// acknowledged and lost), and the same takedownd takes reports again without a restart: every
// thread makes a new connection at its next use. What was acknowledged before is still there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startCluster } from './pg_cluster.mjs';
import { startServer, tempDir, call, ctl, validReport } from './lib.mjs';

let pg, srv;
let seq = 0;
const addr = () => `10.77.0.${++seq}`;

before(async () => {
  pg = await startCluster();
  const dir = tempDir('takedown-pghealth-');
  const pw = 'Admin-pghealth-1';
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin', '--db', pg.url], [pw, pw]);
  assert.equal(init.status, 0, init.stderr);
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy', '--db', pg.url] });
});

after(async () => {
  if (srv) await srv.stop();
  if (pg) await pg.stop();
});

const health = async () => (await fetch(srv.base + '/healthz')).status;
const report = () => call(srv.base, 'POST', '/api/v1/cases', { json: validReport(), xff: addr() });

// Asks until the answer is want, up to a deadline (a slow machine takes longer, never fails).
async function until(fn, want, ms = 60000) {
  let got;
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    got = await fn();
    if (got === want) return got;
  }
  return got;
}

test('two takedownd starting together on an empty database migrate it once, under a lock, and both serve', async () => {
  pg.psql('CREATE DATABASE td_twins', 'postgres');
  const url = pg.url.replace('/takedown?', '/td_twins?');
  const dirs = [tempDir('takedown-twin-'), tempDir('takedown-twin-')];
  const twins = await Promise.all(dirs.map((d) => startServer({ dataDir: d, args: ['--db', url] })));
  try {
    for (const t of twins) assert.equal((await fetch(t.base + '/healthz')).status, 200);
    const applied = twins.map((t) => (t.log().match(/applied migration postgresql\/0017_baseline\.sql/g) || []).length);
    assert.deepEqual(applied.sort(), [0, 1], 'one of them applied the baseline, the other found it done');
    assert.deepEqual(pg.psql('SELECT version FROM schema_version', 'td_twins'), [['17']]);
  } finally {
    for (const t of twins) await t.stop();
  }
});

test('healthz is 503 while PostgreSQL is down and 200 once it is back; reports wait with 503, none is lost', async () => {
  assert.equal(await health(), 200);
  const first = await report();
  assert.equal(first.status, 201, first.text);

  pg.down();
  assert.equal(await health(), 503, 'the database is unreachable');
  const during = await report();
  assert.equal(during.status, 503, 'not acknowledged while the database is down');
  assert.ok(!during.body?.receipt, 'no receipt for a report that was not kept');
  assert.doesNotMatch(srv.log(), /postgresql:\/\//, 'the database URL is never logged');

  pg.up();
  assert.equal(await until(health, 200), 200, 'healthy again without a restart');
  const next = await report();
  assert.equal(next.status, 201, next.text);
  for (const r of [first, next]) {
    const s = await call(srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: r.body.receipt }, xff: addr() });
    assert.equal(s.status, 200, 'an acknowledged report opens with its receipt');
  }
  assert.equal(pg.psql('SELECT count(*) FROM cases')[0][0], '2', 'the refused report left nothing');
});
