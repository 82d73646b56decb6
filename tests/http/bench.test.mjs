// The benchmark data dir, over the real binaries: takedownd refuses --bench-receipt-kdf-min (flag
// or config file) on a normal data dir; bench_fill makes a marked dir only from an empty one, grows
// it to a count, and writes staff the benchmark can sign in as; takedownd serves it with the
// minimum receipt KDF: the queues list generated cases, a case opens (decrypts), and a new report's
// receipt signs in. Without the flag the same dir starts with a warning and that receipt does not
// sign in (so the flag really changes the derivation, for reports and sign-ins alike).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, ctl, tempDir, freePort, TAKEDOWND, sqliteOnly } from './lib.mjs';

const BENCH_FILL = process.env.BENCH_FILL || path.resolve('build/bench_fill');
const MARKER = 'BENCHMARK-DATA';
const dirs = [];
const newDir = (prefix) => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// takedownd that is expected to exit at once (refused): its status and its output.
async function runRefused(args) {
  const port = await freePort();
  return spawnSync(TAKEDOWND, ['--listen', `127.0.0.1:${port}`, ...args], { encoding: 'utf8', timeout: 30000 });
}

function fill(dir, cases, extra = []) {
  return spawnSync(BENCH_FILL, ['--data-dir', dir, '--cases', String(cases), '--seed', '7', ...extra], {
    encoding: 'utf8',
    timeout: 120000,
  });
}

async function call(base, method, p, { json, cookie, csrf } = {}) {
  const headers = {};
  if (cookie) headers.Cookie = 'td_session=' + cookie;
  if (csrf) headers['X-CSRF-Token'] = csrf;
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + p, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await res.text();
  const body = /^application\/json/.test(res.headers.get('content-type') || '') ? JSON.parse(text) : null;
  const set = res.headers.getSetCookie().find((c) => c.startsWith('td_session='));
  return { status: res.status, body, text, cookie: set ? set.split(';')[0].slice('td_session='.length) : null };
}

async function staffSignIn(base, who) {
  const r = await call(base, 'POST', '/api/v1/staff/session', { json: { login: who.login, password: who.password } });
  assert.equal(r.status, 200, `${who.login} signs in without TOTP: ${r.text}`);
  return { cookie: r.cookie, csrf: r.body.csrf };
}

const REPORT = {
  language: 'zh-CN',
  requester: { role: 'self', name: '测试', contact: { channel: 'phone', value: '+86 139 0000 1111' } },
  incident: { type: 'crime', date: '2024-05-01', place: '上海' },
  description: 'bench test report',
  consent: { share_identity_with_platform: false, preservation: 'none' },
  good_faith: true,
  signature: '测试',
  targets: [{ kind: 'online', url: 'https://www.douyin.com/video/7000000000000000001', platform: 'douyin' }],
};

test('--bench-receipt-kdf-min is refused on a normal data dir, as a flag and in a config file', async () => {
  // A dir made by takedownctl init never has the marker.
  const dir = newDir('takedown-bench-normal-');
  const pw = 'Admin-password-1';
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw, pw]);
  assert.equal(init.status, 0, init.stderr);
  assert.equal(existsSync(path.join(dir, MARKER)), false, 'takedownctl init writes no marker');

  const flag = await runRefused(['--data-dir', dir, '--bench-receipt-kdf-min']);
  assert.equal(flag.status, 1, flag.stderr);
  assert.match(flag.stderr, /^takedownd: --bench-receipt-kdf-min refused: .* is not a benchmark data dir \(it has no BENCHMARK-DATA marker[^\n]*\n$/);

  const conf = path.join(newDir('takedown-bench-conf-'), 'takedownd.conf');
  writeFileSync(conf, `data-dir = ${dir}\nbench-receipt-kdf-min = true\n`);
  const file = await runRefused(['--config', conf]);
  assert.equal(file.status, 1, file.stderr);
  assert.match(file.stderr, /--bench-receipt-kdf-min refused/);

  // A new, empty dir (what scripts/run starts from) is refused too, and left without a marker.
  const empty = newDir('takedown-bench-empty-');
  const fresh = await runRefused(['--data-dir', empty, '--bench-receipt-kdf-min']);
  assert.equal(fresh.status, 1, fresh.stderr);
  assert.equal(existsSync(path.join(empty, MARKER)), false);

  // The normal dir still serves without the flag.
  const srv = await startServer({ dataDir: dir });
  assert.equal((await fetch(srv.base + '/healthz')).status, 200);
  assert.doesNotMatch(srv.log(), /benchmark/);
  await srv.stop();
});

test('bench_fill refuses a non-empty dir without the marker', () => {
  const dir = newDir('takedown-bench-foreign-');
  writeFileSync(path.join(dir, 'something'), 'x');
  const r = fill(dir, 10);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not empty and has no BENCHMARK-DATA marker/);
  assert.equal(existsSync(path.join(dir, MARKER)), false);
  assert.equal(existsSync(path.join(dir, 'takedown.db')), false);
});

test('bench_fill is deterministic in the clear workflow fields for a --seed and --now', sqliteOnly('bench_fill writes a SQLite benchmark data dir'), () => {
  const stats = (seed) => {
    const dir = path.join(newDir('takedown-bench-seed-'), 'data');
    const r = fill(dir, 40, ['--seed', String(seed), '--now', '1790000000']);
    assert.equal(r.status, 0, r.stderr);
    const s = ctl(['stats', '--data-dir', dir]);
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /^state +reported +\d+$/m);
    return s.stdout;
  };
  const a = stats(5);
  assert.equal(stats(5), a, 'the same seed gives the same states, platforms, routes and types');
  assert.notEqual(stats(6), a, 'another seed gives other ones');
});

// bench_fill refreshes each case's queue rows once per batch (case_queue_refresh dropped and made
// again inside the batch's transaction); --verify-queue compares the table with a rebuild from
// scratch through the schema's own trigger, and fails when a row is wrong or missing.
function sql(dir, query) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dir, 'takedown.db'), query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('bench_fill leaves the queue table exactly as a rebuild from scratch makes it', sqliteOnly('bench_fill writes a SQLite benchmark data dir'), () => {
  const dir = path.join(newDir('takedown-bench-queue-'), 'data');
  const first = fill(dir, 300, ['--batch', '64', '--verify-queue']);
  assert.equal(first.status, 0, first.stderr);
  const rows = Number(first.stdout.match(/queue table: (\d+) rows, the same as a rebuild from scratch/)[1]);
  assert.ok(rows > 300 * 2, `every case is in several queues (${rows} rows)`);
  // Grown in other batches, and checked again; the committed schema still has the trigger.
  const grow = fill(dir, 450, ['--batch', '100', '--verify-queue']);
  assert.equal(grow.status, 0, grow.stderr);
  assert.match(grow.stdout, /added 150 cases/);
  assert.match(grow.stdout, /queue table: \d+ rows, the same as a rebuild from scratch/);
  assert.equal(sql(dir, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'case_queue_refresh'"), '1');
  assert.equal(sql(dir, 'SELECT count(*) FROM case_queue_dirty'), '0');
  assert.equal(sql(dir, 'SELECT count(DISTINCT case_id) FROM case_queue'), '450');

  // The check can fail: a row changed, a row gone.
  const broken = (change) => {
    sql(dir, `BEGIN; ${change}; COMMIT;`);
    const r = fill(dir, 450, ['--verify-queue']);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /the queue table of .* differs from a rebuild from scratch in \d+ rows/);
  };
  const one = sql(dir, 'SELECT case_id FROM case_queue WHERE queue = 1 ORDER BY case_id LIMIT 1');
  const saved = sql(dir, `SELECT due FROM case_queue WHERE queue = 1 AND platform = '' AND case_id = '${one}'`);
  broken(`UPDATE case_queue SET due = due + 1 WHERE queue = 1 AND platform = '' AND case_id = '${one}'`);
  sql(dir, `UPDATE case_queue SET due = ${saved} WHERE queue = 1 AND platform = '' AND case_id = '${one}'`);
  assert.equal(fill(dir, 450, ['--verify-queue']).status, 0, 'restored, the check passes again');
  broken(`DELETE FROM case_queue WHERE queue = 1 AND platform = '' AND case_id = '${one}'`);
  sql(dir, `INSERT INTO case_queue_dirty VALUES ('${one}')`); // the trigger makes its rows again
  assert.equal(fill(dir, 450, ['--verify-queue']).status, 0, 'refreshed, the check passes again');
});

test('a filled benchmark dir: queues list the generated cases, a case opens, receipts sign in at the minimum KDF', sqliteOnly('bench_fill writes a SQLite benchmark data dir'), async () => {
  const dir = path.join(newDir('takedown-bench-fill-'), 'data'); // a dir that does not exist yet
  const first = fill(dir, 150);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /holds 150 cases/);
  assert.match(first.stderr, /bench_fill: 150 \/ 150 cases/, 'progress goes to stderr');
  assert.ok(existsSync(path.join(dir, MARKER)));
  const staffFile = path.join(dir, 'bench-staff.json');
  assert.equal(statSync(staffFile).mode & 0o777, 0o600);
  const people = JSON.parse(readFileSync(staffFile, 'utf8'));
  assert.equal(people.caseworkers.length, 3);

  // The same dir grows to a larger count; a count it already has adds nothing.
  const grow = fill(dir, 200, ['--batch', '64']);
  assert.equal(grow.status, 0, grow.stderr);
  assert.match(grow.stdout, /added 50 cases/);
  assert.match(grow.stdout, /holds 200 cases/);
  const again = fill(dir, 120);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /already holds 200 cases/);

  const srv = await startServer({ dataDir: dir, args: ['--bench-receipt-kdf-min'] });
  try {
    assert.match(srv.log(), /receipts are derived at libsodium's minimum Argon2id cost/);
    const admin = await staffSignIn(srv.base, people.admin);
    // Every generated case is in the "all" queue, page by page.
    const seen = new Set();
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const q = await call(srv.base, 'GET', `/api/v1/staff/cases?queue=all&limit=100${cursor}`, admin);
      assert.equal(q.status, 200, q.text);
      for (const c of q.body.cases) seen.add(c.case);
      if (!q.body.next) break;
      cursor = '&cursor=' + encodeURIComponent(q.body.next);
    }
    assert.equal(seen.size, 200);
    // Mixed workflow: new cases, cases waiting on platforms, urgent ones first.
    const fresh = await call(srv.base, 'GET', '/api/v1/staff/cases?queue=new&limit=100', admin);
    const awaiting = await call(srv.base, 'GET', '/api/v1/staff/cases?queue=awaiting&limit=100', admin);
    assert.ok(fresh.body.cases.length > 0 && awaiting.body.cases.length > 0);
    const all = await call(srv.base, 'GET', '/api/v1/staff/cases?queue=all&limit=100', admin);
    assert.equal(all.body.cases[0].urgent, true, 'some generated cases carry risk flags');
    // A caseworker signs in too and has cases assigned.
    const cw = await staffSignIn(srv.base, people.caseworkers[0]);
    const mine = await call(srv.base, 'GET', '/api/v1/staff/cases?queue=mine&limit=100', cw);
    assert.equal(mine.status, 200);
    assert.ok(mine.body.cases.length > 0, 'generated cases are assigned to the caseworkers');

    // A generated case opens: its request and its copies decrypt.
    const one = await call(srv.base, 'GET', `/api/v1/staff/cases/${awaiting.body.cases[0].case}`, admin);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.request.good_faith, true);
    assert.ok(one.body.request.signature.length > 0);
    assert.ok(one.body.targets.length >= 1 && one.body.targets.length <= 5);
    for (const t of one.body.targets) {
      if (t.kind === 'online') assert.match(t.body.canonical, /^https:\/\//);
      else assert.ok(t.body.holder.length > 0);
    }
    assert.ok(one.body.targets.some((t) => t.state === 'notice_sent' || t.state === 'acknowledged'));

    // A new report, and its receipt signs in (both derived at the minimum cost).
    const rep = await call(srv.base, 'POST', '/api/v1/cases', { json: REPORT });
    assert.equal(rep.status, 201, rep.text);
    const signIn = await call(srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: rep.body.receipt } });
    assert.equal(signIn.status, 200, signIn.text);
    const my = await call(srv.base, 'GET', '/api/v1/my/case', { cookie: signIn.cookie });
    assert.equal(my.status, 200);
    assert.equal(my.body.case, rep.body.case);
    await srv.stop();

    // Without the flag the benchmark dir starts, with a warning, and that receipt finds no case.
    const plain = await startServer({ dataDir: dir });
    try {
      assert.match(plain.log(), /is a benchmark data dir \(BENCHMARK-DATA\) but --bench-receipt-kdf-min is off/);
      const no = await call(plain.base, 'POST', '/api/v1/receipt/session', { json: { receipt: rep.body.receipt } });
      assert.equal(no.status, 401);
    } finally {
      await plain.stop();
    }
  } finally {
    await srv.stop();
  }
});
