// The PostgreSQL schema (issue 16, schema/postgresql/0017_baseline.sql) against SQLite's as the
// migrations leave it: it applies on a throwaway cluster; every SQLite table is there with the
// same columns in the same order; and the casework queue, whose rule is an SQLite trigger on one
// side and a plpgsql function on the other, holds exactly the same rows, texts included, after
// each of a run of changes made the same way to both databases.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { startCluster } from './pg_cluster.mjs';
import { REPO, initStaff } from './lib.mjs';

let pg;
let sqliteDb;

// Runs SQL on the SQLite database with the sqlite3 shell; the rows of its output like psql's.
function sqlite(sql) {
  const r = spawnSync('sqlite3', ['-bail', '-batch', '-separator', '\x1f', '-nullvalue', '\x1e', sqliteDb], { input: 'PRAGMA foreign_keys=ON;\n' + sql, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\x1f').map((f) => (f === '\x1e' ? null : f)));
}

before(async () => {
  sqliteDb = path.join(initStaff('takedown-pgschema-').dir, 'takedown.db');
  pg = await startCluster();
  pg.psql(readFileSync(path.join(REPO, 'schema/postgresql/0017_baseline.sql'), 'utf8'));
});

after(async () => {
  if (pg) await pg.stop();
});

test('the throwaway cluster takes no connection from another user: no TCP port, a socket in a private directory', async () => {
  // Trust authentication is safe only where nobody else can reach the server.
  const refused = await new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: pg.port });
    sock.on('connect', () => { sock.destroy(); resolve(false); });
    sock.on('error', (e) => resolve(e.code === 'ECONNREFUSED'));
  });
  assert.ok(refused, `nothing may listen on 127.0.0.1:${pg.port}`);
  assert.equal(statSync(pg.dir).mode & 0o077, 0, 'the socket directory is open to others');
  assert.deepEqual(pg.psql('SELECT 1'), [['1']]); // and the socket answers
});

test('every SQLite table is in the PostgreSQL schema, with the same columns in the same order', () => {
  const tables = sqlite("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").map((r) => r[0]);
  assert.ok(tables.length >= 27, `${tables.length} tables in SQLite`);
  for (const t of tables) {
    const lite = sqlite(`SELECT name FROM pragma_table_info('${t}') ORDER BY cid`).map((r) => r[0]);
    const pgCols = pg.psql(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${t}' ORDER BY ordinal_position`).map((r) => r[0]);
    // platforms.pos is PostgreSQL's stand-in for SQLite's rowid order, after SQLite's columns.
    const extra = t === 'platforms' ? ['pos'] : [];
    assert.deepEqual(pgCols, [...lite, ...extra], `columns of ${t}`);
  }
  const indexes = sqlite("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").map((r) => r[0]);
  const pgIndexes = new Set(pg.psql("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'").map((r) => r[0]));
  for (const i of indexes) assert.ok(pgIndexes.has(i), `index ${i} on PostgreSQL`);
  // Each migration SQLite gets has its PostgreSQL twin: the versions agree.
  assert.deepEqual(pg.psql('SELECT version FROM schema_version'), sqlite('PRAGMA user_version'));
});

test('an id SQLite numbers by itself (INTEGER PRIMARY KEY) is numbered by PostgreSQL too: an identity', () => {
  // The program chooses only the org row's id (always 1) and the audit chain's (the last plus one).
  const chosen = new Set(['org', 'audit']);
  const tables = sqlite("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").map((r) => r[0]);
  const rowids = tables.filter((t) => sqlite(`SELECT count(*) FROM pragma_table_info('${t}') WHERE pk = 1 AND name = 'id' AND type = 'INTEGER'`)[0][0] === '1' &&
    sqlite(`SELECT count(*) FROM pragma_table_info('${t}') WHERE pk > 0`)[0][0] === '1');
  assert.ok(rowids.length >= 15, `${rowids.length} tables number their rows`);
  const identity = new Set(pg.psql("SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'id' AND is_identity = 'YES'").map((r) => r[0]));
  for (const t of rowids) assert.equal(identity.has(t), !chosen.has(t), `${t}.id ${chosen.has(t) ? 'is chosen by the program' : 'is numbered by PostgreSQL'}`);
});

test('the seeded routes, platforms (in their order) and settings are the same', () => {
  assert.deepEqual(pg.psql('SELECT id, clock_hours, elements FROM routes ORDER BY id'), sqlite('SELECT id, clock_hours, elements FROM routes ORDER BY id'));
  assert.deepEqual(pg.psql('SELECT id, route, clock_hours, channel FROM platforms ORDER BY pos'), sqlite('SELECT id, route, clock_hours, channel FROM platforms ORDER BY rowid'));
  assert.deepEqual(pg.psql("SELECT key, value FROM meta WHERE key <> 'created_at' ORDER BY key"), sqlite("SELECT key, value FROM meta WHERE key <> 'created_at' ORDER BY key"));
});

// A blob literal in each dialect.
const blob = { sqlite: (n) => `X'${n.toString(16).padStart(2, '0')}'`, pg: (n) => `'\\x${n.toString(16).padStart(2, '0')}'::bytea` };

function caseRow(d, id, n, { risk = 0, created = 1000 + n, incident = 'intimate' } = {}) {
  return `INSERT INTO cases (id, receipt_lookup, sealed_key, receipt_wrap, channel, requester_role, language, incident_type, risk_flags, created_at, updated_at, body) ` +
    `VALUES ('${id}', ${blob[d](n)}, ${blob[d](0)}, ${blob[d](0)}, 'web', 'self', 'zh-CN', '${incident}', ${risk}, ${created}, ${created}, ${blob[d](0)});`;
}

function targetRow(d, id, caseId, platform, state, due) {
  const kind = platform === 'offline' ? 'offline' : 'online';
  return `INSERT INTO targets (id, case_id, kind, platform, state, due_at, created_at, updated_at, body) ` +
    `VALUES (${id}, '${caseId}', '${kind}', '${platform.replace(/'/g, "''")}', '${state}', ${due === null ? 'NULL' : due}, 1, 1, ${blob[d](0)});`;
}

// The changes, each as SQL for a dialect d. Each step is made to both databases, then the queue
// compared. Together they touch every column the rule reads and every queue it fills.
const steps = [
  ['staff and an incident', (d) => `INSERT INTO staff (id, login, role, key_wrap, created_at, password_changed_at) VALUES (101, 'cw1', 'caseworker', ${blob[d](1)}, 1, 1), (102, 'cw2', 'caseworker', ${blob[d](2)}, 1, 1);
INSERT INTO incidents (id, created_at, label) VALUES (7, 1, ${blob[d](3)});`],
  ['a case with three copies', (d) => caseRow(d, 'aaaa', 1) + targetRow(d, 11, 'aaaa', 'douyin', 'reported', 1000) + targetRow(d, 12, 'aaaa', 'weibo', 'notice_sent', 500) + targetRow(d, 13, 'aaaa', 'offline', 'visit_planned', null)],
  ['an urgent case whose platform needs escaping', (d) => caseRow(d, 'bbbb', 2, { risk: 3 }) + targetRow(d, 21, 'bbbb', 'we"b\\x', 'monitoring', 0) + targetRow(d, 22, 'bbbb', 'douyin', 'verified_gone', 700)],
  ['a case without copies', (d) => caseRow(d, 'cccc', 3, { created: 900 })],
  ['copies move', () => "UPDATE targets SET state = 'in_review', due_at = 2000 WHERE id = 11; UPDATE targets SET state = 'acknowledged' WHERE id = 12;"],
  ['an unchanged write', () => "UPDATE targets SET state = state, due_at = due_at WHERE id = 11; UPDATE cases SET risk_flags = risk_flags WHERE id = 'aaaa';"],
  ['assigned', () => "UPDATE cases SET assignee = 101 WHERE id = 'aaaa'; UPDATE cases SET assignee = 102 WHERE id = 'bbbb';"],
  ['a copy changes case', () => "UPDATE targets SET case_id = 'bbbb' WHERE id = 13;"],
  ['a copy changes platform', () => "UPDATE targets SET platform = 'kuaishou' WHERE id = 22;"],
  ['an incident', () => "UPDATE cases SET incident_type = 'extortion', incident_id = 7 WHERE id = 'bbbb';"],
  ['withdrawn', () => "UPDATE cases SET withdrawn_at = 5000 WHERE id = 'aaaa';"],
  ['closed copies', () => "UPDATE targets SET state = 'closed', due_at = NULL WHERE id IN (21, 12);"],
  ['a copy reported again', (d) => targetRow(d, 14, 'aaaa', 'douyin', 'reported', 300)],
  ['a case renamed', () => "UPDATE cases SET id = 'cccd' WHERE id = 'cccc';"],
  ['an assignee removed', () => 'DELETE FROM staff WHERE id = 102;'],
  ['a copy deleted', () => 'DELETE FROM targets WHERE id = 11;'],
  ['a case deleted with its copies', () => "DELETE FROM cases WHERE id = 'bbbb';"],
];

const QUEUE = 'SELECT queue, owner, platform, prio, due, created_at, case_id, risk_flags, incident_type, incident_id, withdrawn, assignee, ' +
  'platforms, states, targets, open_targets, next_due, waiting_on FROM case_queue ORDER BY queue, owner, platform, prio, due, created_at, case_id';

test('the queue rows are the same on both engines after every change', () => {
  let seen = 0;
  for (const [name, sql] of steps) {
    sqlite(sql('sqlite'));
    pg.psql(sql('pg'));
    const lite = sqlite(QUEUE);
    assert.deepEqual(pg.psql(QUEUE), lite, `after "${name}"`);
    seen = Math.max(seen, lite.length);
  }
  // The run filled queues, not just emptied them: every queue had rows at some point.
  assert.ok(seen >= 10, `at most ${seen} queue rows`);
  assert.deepEqual(pg.psql('SELECT count(*) FROM case_queue_dirty'), [['0']]);
});

test('a deferred refresh marks the case and leaves its rows until the writer refreshes it', () => {
  const before = pg.psql(QUEUE);
  const marked = pg.psql(`BEGIN;
SET LOCAL takedown.queue_defer = 'on';
UPDATE targets SET state = 'notice_sent', due_at = 9000 WHERE id = 14;
SELECT case_id FROM case_queue_dirty;
ROLLBACK;`);
  assert.deepEqual(marked, [['aaaa']]);
  assert.deepEqual(pg.psql(QUEUE), before, 'rolled back: the queue as before');
  const after = pg.psql(`BEGIN;
SET LOCAL takedown.queue_defer = 'on';
UPDATE targets SET state = 'notice_sent', due_at = 9000 WHERE id = 14;
SET LOCAL takedown.queue_defer = 'off';
SELECT case_queue_refresh(case_id) FROM case_queue_dirty;
DELETE FROM case_queue_dirty;
COMMIT;
${QUEUE};`);
  sqlite("UPDATE targets SET state = 'notice_sent', due_at = 9000 WHERE id = 14;");
  assert.deepEqual(after.filter((r) => r.length > 1), sqlite(QUEUE));
});
