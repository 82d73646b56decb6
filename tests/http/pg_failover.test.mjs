// Failover without loss (issue 16): a primary with a synchronous streaming standby, two takedownd
// given both (libpq's multi-host URL, target_session_attrs=read-write), reports submitted from
// several clients at once. After a number of acknowledged reports the primary crashes (an
// immediate stop, as if its machine had gone) and the standby is promoted while the clients keep
// submitting. Reports in the gap are refused (503), never acknowledged and lost: afterwards every
// receipt that was answered 201 opens its case on the new primary, /healthz went 503 and came back
// to 200 on both nodes by itself, and takedownctl check finds the audit chain whole. The counts
// are of acknowledgements, never of time, so a slow machine only takes longer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';

import { startCluster } from './pg_cluster.mjs';
import { startServer, tempDir, call, ctl, validReport } from './lib.mjs';

const clusters = [];
const nodes = [];
after(async () => {
  for (const n of nodes) await n.stop();
  for (const c of clusters) await c.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('promoting the standby while reports are submitted loses no acknowledged report', async () => {
  const primary = await startCluster();
  clusters.push(primary);
  const standby = await startCluster({ from: primary });
  clusters.push(standby);
  // Commits wait for the standby from here on (synchronous_commit is on by default).
  primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'; SELECT pg_reload_conf()", 'postgres');
  for (let i = 0; i < 600 && primary.psql("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")[0][0] !== '1'; i++) await sleep(100);
  assert.equal(primary.psql("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")[0][0], '1', 'a synchronous standby');

  const url = `postgresql:///takedown?host=${encodeURIComponent(primary.dir)},${encodeURIComponent(standby.dir)}` +
    `&port=${primary.port},${standby.port}&user=takedown&target_session_attrs=read-write`;
  const dir = tempDir('takedown-failover-');
  const pw = 'Admin-failover-1';
  const init = ctl(['init', '--data-dir', dir, '--db', url, '--admin', 'admin'], [pw, pw]);
  assert.equal(init.status, 0, init.stderr);
  for (let i = 0; i < 2; i++) nodes.push(await startServer({ dataDir: dir, args: ['--trust-proxy', '--db', url] }));

  // Clients submit until told to stop; each keeps the receipts it was given (201).
  const acked = [];
  const refused = new Map();
  let stop = false;
  let seq = 0;
  const client = async (k) => {
    while (!stop) {
      const node = nodes[k % 2];
      let r;
      try {
        r = await call(node.base, 'POST', '/api/v1/cases', { json: validReport(), xff: `10.79.${k}.${(++seq % 250) + 1}` });
      } catch {
        continue; // a connection cut is not an acknowledgement
      }
      if (r.status === 201) acked.push({ receipt: r.body.receipt, case: r.body.case });
      else refused.set(r.status, (refused.get(r.status) || 0) + 1);
    }
  };
  // /healthz of each node as the clients see it, to show it went 503 and back to 200.
  const seen = nodes.map(() => []);
  const poller = (async () => {
    while (!stop) {
      for (const [i, n] of nodes.entries()) {
        const s = await fetch(n.base + '/healthz').then((r) => r.status, () => 0);
        if (seen[i].at(-1) !== s) seen[i].push(s);
      }
      await sleep(20);
    }
  })();
  const clients = Array.from({ length: 6 }, (_, k) => client(k));
  const waitFor = async (n) => {
    for (let i = 0; i < 3000 && acked.length < n; i++) await sleep(50);
    assert.ok(acked.length >= n, `${acked.length} of ${n} acknowledged`);
  };

  await waitFor(30);
  primary.crash();
  const before = acked.length;
  standby.promote();
  await waitFor(before + 30);
  stop = true;
  await Promise.all([...clients, poller]);

  console.log(`# acknowledged ${acked.length}, refused ${JSON.stringify(Object.fromEntries(refused))}`);
  for (const [k, s] of refused) assert.equal(k, 503, `only 503 while failing over (${s} times ${k})`);
  for (const [i, s] of seen.entries()) {
    assert.equal(s.at(-1), 200, `node ${i} healthy again`);
    assert.ok(s.includes(503), `node ${i} said 503 while the database was away: ${s}`);
  }
  // Every acknowledged receipt opens its case, on the new primary.
  for (const a of acked) {
    const r = await call(nodes[0].base, 'POST', '/api/v1/receipt/session', { json: { receipt: a.receipt }, xff: '10.79.200.1' });
    assert.equal(r.status, 200, `receipt of case ${a.case}`);
    const mine = await call(nodes[1].base, 'GET', '/api/v1/my/case', { cookie: r.cookies.td_session, xff: '10.79.200.2' });
    assert.equal(mine.body.case, a.case);
  }
  assert.ok(Number(standby.psql('SELECT count(*) FROM cases')[0][0]) >= acked.length);
  const check = ctl(['check', '--data-dir', dir, '--db', standby.url]);
  assert.match(check.stdout, /audit log: intact/, check.stdout + check.stderr);
});
