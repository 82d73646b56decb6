// Keys and erasure (issue 9) over real HTTP, takedownctl and the raw data directory: every report
// has its own case key (also from a browser that still holds a victim session), screenshot files
// are padded to size buckets and bound to their file id, fingerprints to their row, withdraw moves
// every open copy and stops staff work, the 50-copy cap holds under parallel adds, and incidents
// lose their label with their last case and audit every case an incident view shows.
// What one receipt opens is asked of tests/tools/case_open.c (Node has no Argon2id).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { startServer, ctl, tempDir, call as callAs, sql as sqlOn, withDb } from './lib.mjs';

const CASE_OPEN = process.env.TOOL_CASE_OPEN || path.resolve('build/case_open');
const STAFF_XFF = '10.77.0.1';
const KiB = 1024;
const DAY = 86400;

let addrN = 0;
const addr = () => {
  addrN++;
  return `10.${80 + (addrN >> 16)}.${(addrN >> 8) & 255}.${addrN & 255}`;
};

let srv;
let dir;
const pw = {};
const staff = {};

const call = (method, p, opts = {}) => callAs(srv.base, method, p, { ...opts, xff: opts.xff || addr() });

function as(who, method, p, json) {
  const s = typeof who === 'string' ? staff[who] : who;
  const unsafe = !['GET', 'HEAD'].includes(method);
  return call(method, p, { cookie: s.cookie, csrf: unsafe ? s.csrf : undefined, xff: s.xff, json: unsafe ? (json ?? {}) : undefined });
}

const sql = (query) => sqlOn(dir, query);

// What the receipt opens of caseId, through the store and vault API.
function caseOpen(receipt, caseId) {
  const r = spawnSync(CASE_OPEN, withDb([dir, caseId], dir), { input: receipt + '\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

before(async () => {
  dir = tempDir('takedown-keys-');
  pw.admin = 'Admin-' + randomBytes(8).toString('hex');
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]);
  assert.equal(init.status, 0, init.stderr);
  for (const [login, role] of [['cw1', 'caseworker'], ['aud1', 'auditor']]) {
    pw[login] = `${login}-` + randomBytes(8).toString('hex');
    const r = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', role, login], [pw.admin, pw[login], pw[login]]);
    assert.equal(r.status, 0, r.stderr);
  }
  srv = await startServer({ dataDir: dir, args: ['--debug-routes', '--trust-proxy'] });
  for (const login of ['admin', 'cw1', 'aud1']) {
    const r = await call('POST', '/api/v1/staff/session', { json: { login, password: pw[login] }, xff: STAFF_XFF });
    assert.equal(r.status, 200, r.text);
    staff[login] = { cookie: r.cookies.td_session, csrf: r.body.csrf, xff: STAFF_XFF };
  }
});

after(async () => {
  if (srv) await srv.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- reports ----

let seq = 0;
const link = () => `https://www.douyin.com/video/${7400000000000000000n + BigInt(++seq) * 7919n + BigInt(Date.now() % 100000)}`;

function report(o = {}) {
  return {
    language: 'zh-CN',
    requester: { role: 'self', name: '王小明', contact: { channel: 'phone', value: '+86 138-0013-8000', may_leave_message: false } },
    incident: { type: 'crime', date: '2024-05-01', place: '上海' },
    description: '描述',
    consent: { share_identity_with_platform: true, preservation: 'fingerprint' },
    good_faith: true,
    signature: '王小明',
    targets: Array.from({ length: o.targets || 1 }, () => ({ kind: 'online', url: link(), platform: 'douyin' })),
    ...(o.fingerprints ? { fingerprints: o.fingerprints.map((value) => ({ alg: 'sha256', value })) } : {}),
  };
}

async function newCase(o = {}) {
  const xff = addr();
  const r = await call('POST', '/api/v1/cases', { json: report(o), xff });
  assert.equal(r.status, 201, r.text);
  const s = await call('POST', '/api/v1/receipt/session', { json: { receipt: r.body.receipt }, xff });
  assert.equal(s.status, 200, s.text);
  return { caseId: r.body.case, receipt: r.body.receipt, cookie: s.cookies.td_session, csrf: s.body.csrf, xff };
}

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = (size) => Buffer.concat([PNG_SIG, randomBytes(size - PNG_SIG.length)]);

function formFields() {
  return [
    ['language', 'zh-CN'], ['requester.role', 'self'], ['requester.name', '李华'], ['incident.type', 'intimate'],
    ['incident.date', '2024-03-08'], ['description', '视频'], ['targets[0].kind', 'online'], ['targets[0].url', link()],
    ['targets[1].kind', 'offline'], ['targets[1].holder', '店主'], ['targets[1].where', '南京路'],
    ['requester.contact.channel', 'none'], ['consent.preservation', 'none'], ['good_faith', 'on'], ['signature', '李华'],
  ];
}

// The report form as a browser posts it; cookie: a victim session the browser still holds.
async function postForm(files, { cookie, xff = addr() } = {}) {
  const g = await call('GET', '/report', { cookie, xff });
  assert.equal(g.status, 200);
  const csrf = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(g.text)[1];
  const jar = g.cookies.td_csrf ? 'td_csrf=' + g.cookies.td_csrf : undefined;
  const fd = new FormData();
  for (const [k, v] of [['csrf', csrf], ...formFields()]) fd.append(k, v);
  for (const f of files) fd.append('screenshots', new Blob([f.bytes]), f.name);
  const r = await call('POST', '/report', { cookie, jar, xff, multipart: fd });
  // Post-redirect-get: the receipt is on the page the 303 leads to, shown once.
  assert.equal(r.status, 303, r.text.slice(0, 1500));
  r.cookie = r.cookies.td_session;
  const page = await call('GET', '/report/receipt', { cookie: r.cookie, xff, jar: 'td_receipt=' + r.cookies.td_receipt });
  r.receipt = /<p class="receipt-code" lang="en">([0-9 ]+)<\/p>/.exec(page.text)[1];
  r.csrf = /name="csrf" value="([0-9a-f]{64})"/.exec(page.text)[1];
  const my = await call('GET', '/api/v1/my/case', { cookie: r.cookie, xff });
  assert.equal(my.status, 200);
  r.caseId = my.body.case;
  return r;
}

async function staffView(caseId) {
  const r = await as('cw1', 'GET', `/api/v1/staff/cases/${caseId}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

const filePath = (id) => path.join(dir, 'files', id);
// On-disk size of a padded screenshot: header, the bucket, 17 bytes per 64 KiB chunk.
const onDisk = (bucket) => 25 + bucket + (bucket / (64 * KiB)) * 17;

// ---- 1. one key per report ----

test('a report from a browser that still holds a victim session gets its own key: one receipt opens nothing of the other case', async () => {
  const xff = addr();
  const first = await postForm([{ name: 'a.png', bytes: png(3000) }], { xff });
  // The same browser: the first report's session cookie is still in its jar.
  const second = await postForm([{ name: 'b.png', bytes: png(5000) }], { cookie: first.cookie, xff });
  assert.notEqual(first.caseId, second.caseId);
  assert.notEqual(first.receipt, second.receipt);

  // Positive controls: each receipt opens all of its own case.
  const own1 = caseOpen(first.receipt, first.caseId);
  assert.equal(own1.receipt_case, first.caseId);
  assert.deepEqual([own1.wrap, own1.body, own1.targets, own1.files], [true, true, { ok: 2, failed: 0 }, { ok: 1, failed: 0 }]);
  const own2 = caseOpen(second.receipt, second.caseId);
  assert.deepEqual([own2.wrap, own2.body, own2.targets, own2.files], [true, true, { ok: 2, failed: 0 }, { ok: 1, failed: 0 }]);
  assert.notEqual(own1.key_id, own2.key_id, 'the two receipt wraps open different case keys');

  // One receipt and the database: nothing of the other case opens, either way round.
  for (const [receipt, other] of [[first.receipt, second.caseId], [second.receipt, first.caseId]]) {
    const o = caseOpen(receipt, other);
    assert.equal(o.wrap, false);
    assert.equal(o.body, false, 'the other case body does not decrypt');
    assert.deepEqual(o.targets, { ok: 0, failed: 2 }, 'its copies do not decrypt');
    assert.deepEqual(o.files, { ok: 0, failed: 1 }, 'its screenshot does not decrypt');
  }

  // Erasing the first case leaves the second whole, and the second still opens for its victim.
  const erase = await call('DELETE', '/api/v1/my/case', { cookie: first.cookie, csrf: first.csrf, xff });
  assert.equal(erase.status, 200, erase.text);
  assert.deepEqual(caseOpen(second.receipt, second.caseId).files, { ok: 1, failed: 0 });
});

// ---- 2. padded files bound to their id; fingerprints bound to their row ----

test('screenshot files are padded to size buckets (64 KiB, then powers of two)', async () => {
  const r = await postForm([
    { name: 'small.png', bytes: png(1000) },
    { name: 'larger.png', bytes: png(40 * KiB) },
    { name: 'bucket.png', bytes: png(64 * KiB - 1) },
    { name: 'next.png', bytes: png(64 * KiB) },
    { name: 'big.png', bytes: png(300 * KiB) },
  ]);
  const files = (await staffView(r.caseId)).screenshots;
  assert.equal(files.length, 5);
  const byName = Object.fromEntries(files.map((f) => [f.name, statSync(filePath(f.id)).size]));
  assert.equal(byName['small.png'], onDisk(64 * KiB), 'a 1000-byte screenshot fills the 64 KiB bucket');
  assert.equal(byName['larger.png'], byName['small.png'], 'two sizes within one bucket look the same on disk');
  assert.equal(byName['bucket.png'], onDisk(64 * KiB), 'the largest size of a bucket');
  assert.equal(byName['next.png'], onDisk(128 * KiB), 'one byte more is the next bucket');
  assert.equal(byName['big.png'], onDisk(512 * KiB));
  // The padding never reaches the staff: the exact bytes come back.
  for (const f of files) {
    const got = await as('cw1', 'GET', `/api/v1/staff/files/${f.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.bytes.length, f.size);
  }
});

test('a screenshot file moved over another file\'s name does not open: a clean error, not the wrong image', async () => {
  const a = png(2000);
  const b = png(3000);
  const r = await postForm([{ name: 'a.png', bytes: a }, { name: 'b.png', bytes: b }]);
  const files = (await staffView(r.caseId)).screenshots;
  const fa = files.find((f) => f.name === 'a.png');
  const fb = files.find((f) => f.name === 'b.png');
  assert.ok((await as('cw1', 'GET', `/api/v1/staff/files/${fa.id}`)).bytes.equals(a), 'before the swap: the right image');
  // Swap the two ciphertexts on disk (same case, same key).
  renameSync(filePath(fa.id), filePath(fa.id) + '.x');
  renameSync(filePath(fb.id), filePath(fa.id));
  renameSync(filePath(fa.id) + '.x', filePath(fb.id));
  for (const [f, other] of [[fa, b], [fb, a]]) {
    const got = await as('cw1', 'GET', `/api/v1/staff/files/${f.id}`);
    assert.notEqual(got.status, 200, 'the swapped file is refused');
    assert.ok(!got.bytes.includes(other.subarray(0, 64)), 'never the other image');
    assert.equal(got.body.error.code, 'file_damaged', got.text);
  }
  assert.deepEqual(caseOpen(r.receipt, r.caseId).files, { ok: 0, failed: 2 });
  assert.equal((await call('GET', '/healthz')).status, 200, 'the server keeps serving');
  // Swapped back, both open again.
  renameSync(filePath(fa.id), filePath(fa.id) + '.x');
  renameSync(filePath(fb.id), filePath(fa.id));
  renameSync(filePath(fa.id) + '.x', filePath(fb.id));
  assert.ok((await as('cw1', 'GET', `/api/v1/staff/files/${fb.id}`)).bytes.equals(b));
});

test('a fingerprint moved to another row, or swapped with another row, does not open', async () => {
  const f1 = randomBytes(32).toString('hex');
  const f2 = randomBytes(32).toString('hex');
  const c = await newCase({ fingerprints: [f1, f2] });
  assert.deepEqual((await staffView(c.caseId)).fingerprints.map((f) => f.value), [f1, f2]);
  const rows = sql(`SELECT id FROM fingerprints WHERE case_id='${c.caseId}' ORDER BY id`).split('\n').map(Number);
  assert.equal(rows.length, 2);
  // Each row keeps its id; their ciphertexts trade places.
  const swap = (x, y) => sql(`UPDATE fingerprints SET id = -1 WHERE id = ${x}; UPDATE fingerprints SET id = ${x} WHERE id = ${y}; UPDATE fingerprints SET id = ${y} WHERE id = -1;`);
  // Swap the two ciphertexts between the rows.
  swap(rows[0], rows[1]);
  assert.deepEqual((await staffView(c.caseId)).fingerprints, [], 'swapped rows open nothing');
  assert.deepEqual(caseOpen(c.receipt, c.caseId).fingerprints, { ok: 0, failed: 2 });
  // Swapped back, then the last row moved to a new row id (its place in the list unchanged).
  swap(rows[0], rows[1]);
  assert.deepEqual((await staffView(c.caseId)).fingerprints.map((f) => f.value), [f1, f2]);
  sql(`UPDATE fingerprints SET id = ${rows[1] + 100000} WHERE id = ${rows[1]}`);
  assert.deepEqual((await staffView(c.caseId)).fingerprints.map((f) => f.value), [f1], 'the moved row does not open');
});

// ---- 3. withdraw and the copy cap ----

test('withdraw moves every open copy (50 reported and 20 re-uploads), and staff can no longer work on the case', async () => {
  const c = await newCase({ targets: 50 });
  const first = (await staffView(c.caseId)).targets[0].id;
  for (let i = 0; i < 20; i++) {
    const r = await as('cw1', 'POST', `/api/v1/staff/targets/${first}/reupload`, { url: link() });
    assert.equal(r.status, 201, r.text);
  }
  const before = await call('GET', '/api/v1/my/case', { cookie: c.cookie, xff: c.xff });
  assert.equal(before.body.targets.length, 70);
  assert.equal(before.body.open_targets, 70);
  const w = await call('POST', '/api/v1/my/withdraw', { cookie: c.cookie, csrf: c.csrf, xff: c.xff, json: {} });
  assert.equal(w.status, 200, w.text);
  assert.equal(w.body.state, 'withdrawn');
  assert.equal(w.body.open_targets, 0);
  assert.deepEqual([...new Set(w.body.targets.map((t) => t.state))], ['withdrawn'], 'every copy, children included');
  assert.equal(Number(sql(`SELECT count(*) FROM targets WHERE case_id='${c.caseId}' AND state <> 'withdrawn'`)), 0);
  assert.equal(Number(sql(`SELECT count(*) FROM events WHERE case_id='${c.caseId}' AND to_state = 'withdrawn'`)), 70, 'one event per copy');
  assert.equal(Number(sql(`SELECT count(*) FROM targets WHERE case_id='${c.caseId}' AND (due_at IS NOT NULL OR next_check_at IS NOT NULL)`)), 0);

  // Staff work on a withdrawn case is 409: transitions of any copy, re-uploads.
  const last = w.body.targets[w.body.targets.length - 1].id;
  const mv = await as('cw1', 'POST', `/api/v1/staff/targets/${last}/transition`, { to: 'in_review' });
  assert.equal(mv.status, 409, mv.text);
  const re = await as('cw1', 'POST', `/api/v1/staff/targets/${first}/reupload`, { url: link() });
  assert.equal(re.status, 409, re.text);
  assert.equal(Number(sql(`SELECT count(*) FROM targets WHERE case_id='${c.caseId}'`)), 70, 'nothing added');
});

test('a staff transition on a withdrawn case is 409 even for a copy that was still open', async () => {
  const c = await newCase({ targets: 2 });
  const [t0, t1] = (await staffView(c.caseId)).targets.map((t) => t.id);
  const w = await call('POST', '/api/v1/my/withdraw', { cookie: c.cookie, csrf: c.csrf, xff: c.xff, json: {} });
  assert.equal(w.status, 200);
  // A copy left open by an earlier fault (put back by hand): the case is withdrawn, so still 409.
  sql(`UPDATE targets SET state = 'reported' WHERE id = ${t1}`);
  for (const [id, to] of [[t0, 'in_review'], [t1, 'in_review']]) {
    const r = await as('cw1', 'POST', `/api/v1/staff/targets/${id}/transition`, { to });
    assert.equal(r.status, 409, r.text);
  }
  assert.equal(sql(`SELECT state FROM targets WHERE id = ${t1}`), 'reported', 'nothing moved');
});

test('the 50-copy cap holds under parallel adds: 20 requests of 5 copies each on a case of 1', async () => {
  const c = await newCase({ targets: 1 });
  const add = () => call('POST', '/api/v1/my/targets', {
    cookie: c.cookie, csrf: c.csrf, xff: c.xff,
    json: { targets: Array.from({ length: 5 }, () => ({ kind: 'online', url: link() })) },
  });
  const results = await Promise.all(Array.from({ length: 20 }, add));
  const statuses = results.map((r) => r.status);
  for (const r of results) if (r.status !== 201) {
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(r.body.errors.map((e) => [e.field, e.code]), [['targets', 'too_many']]);
  }
  assert.equal(statuses.filter((s) => s === 201).length, 9, `1 + 9 x 5 = 46 fits, a tenth would not: ${statuses}`);
  assert.equal(Number(sql(`SELECT count(*) FROM targets WHERE case_id='${c.caseId}'`)), 46);
  // Both sides of the limit: 4 more fit (50), then one more is refused.
  const four = await call('POST', '/api/v1/my/targets', { cookie: c.cookie, csrf: c.csrf, xff: c.xff, json: { targets: Array.from({ length: 4 }, () => ({ kind: 'online', url: link() })) } });
  assert.equal(four.status, 201, four.text);
  assert.equal(four.body.total_targets, 50);
  const one = await call('POST', '/api/v1/my/targets', { cookie: c.cookie, csrf: c.csrf, xff: c.xff, json: { targets: [{ kind: 'online', url: link() }] } });
  assert.equal(one.status, 422);
  assert.deepEqual(one.body.errors.map((e) => [e.field, e.code]), [['targets', 'too_many']]);
});

// ---- 4. incidents ----

async function incidentWith(cases) {
  const label = '事件-' + randomBytes(4).toString('hex');
  const r = await as('cw1', 'POST', '/api/v1/staff/incidents', { label });
  assert.equal(r.status, 201, r.text);
  const id = r.body.id;
  for (const c of cases) {
    const a = await as('cw1', 'POST', `/api/v1/staff/cases/${c.caseId}/incident`, { incident: id });
    assert.equal(a.status, 200, a.text);
  }
  return id;
}

async function audit() {
  const r = await as('aud1', 'GET', '/api/v1/audit?limit=500');
  assert.equal(r.status, 200);
  return r.body.entries;
}

test('an incident view (API and page) writes case.view for every case whose content it shows', async () => {
  const a = await newCase();
  const b = await newCase();
  const id = await incidentWith([a, b]);
  const views = async () => (await audit()).filter((e) => e.action === 'case.view' && [a.caseId, b.caseId].includes(e.subject));
  const n0 = (await views()).length;
  const api = await as('cw1', 'GET', `/api/v1/staff/incidents/${id}`);
  assert.equal(api.status, 200);
  let v = await views();
  assert.equal(v.length, n0 + 2);
  assert.deepEqual(v.slice(0, 2).map((e) => e.subject).sort(), [a.caseId, b.caseId].sort());
  for (const e of v.slice(0, 2)) {
    assert.equal(e.actor, 'staff:cw1');
    assert.equal(e.detail, `incident ${id}`);
  }
  const page = await as('cw1', 'GET', `/staff/incidents/${id}`);
  assert.equal(page.status, 200);
  v = await views();
  assert.equal(v.length, n0 + 4);
});

test('erasing or purging the last case of an incident removes the incident and its label', async () => {
  // Two cases: erasing one keeps the incident; erasing the other removes it.
  const a = await newCase();
  const b = await newCase();
  const both = await incidentWith([a, b]);
  const erase = (v) => call('DELETE', '/api/v1/my/case', { cookie: v.cookie, csrf: v.csrf, xff: v.xff });
  assert.equal((await erase(a)).status, 200);
  assert.equal(sql(`SELECT count(*) FROM incidents WHERE id = ${both} AND length(label) > 1`), '1', 'one case left: kept');
  assert.equal((await as('cw1', 'GET', `/api/v1/staff/incidents/${both}`)).status, 200);
  assert.equal((await erase(b)).status, 200);
  assert.equal(sql(`SELECT count(*) FROM incidents WHERE id = ${both}`), '0', 'the last case erased: gone');
  assert.equal((await as('cw1', 'GET', `/api/v1/staff/incidents/${both}`)).status, 404);
  assert.ok(!(await as('cw1', 'GET', '/api/v1/staff/incidents')).body.incidents.some((i) => i.id === both));

  // Purged by takedownctl: withdrawn 200 days ago by the service clock, so past its purge date.
  const p = await newCase();
  const kept = await newCase();
  const alone = await incidentWith([p]);
  const other = await incidentWith([kept]);
  assert.equal((await call('POST', `/debug/clock?seconds=${-200 * DAY}`, { json: {} })).status, 200);
  const w = await call('POST', '/api/v1/my/withdraw', { cookie: p.cookie, csrf: p.csrf, xff: p.xff, json: {} });
  assert.equal(w.status, 200, w.text);
  assert.equal((await call('POST', `/debug/clock?seconds=${200 * DAY}`, { json: {} })).status, 200);
  const run = ctl(['purge', '--data-dir', dir]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`purging case ${p.caseId}`));
  assert.equal(sql(`SELECT count(*) FROM cases WHERE id = '${p.caseId}'`), '0');
  assert.equal(sql(`SELECT count(*) FROM incidents WHERE id = ${alone}`), '0', 'the purged last case took its incident');
  assert.equal(sql(`SELECT count(*) FROM incidents WHERE id = ${other}`), '1', 'another incident stays');
});
