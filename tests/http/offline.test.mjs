// Offline copies, verification, re-uploads and retention over real HTTP against the real binaries:
// the 24-hour clock to the first visit, visits by two different staff members (422 otherwise),
// the printable visit sheet that carries only what the team needs, copies shared onward that
// become linked online targets, the counter-notice's 15-day clock, the link checker's
// classification table against a fake platform on 127.0.0.1 (200, 404, 410, redirects, removal
// pages, 5xx, timeout, connection refused, private addresses), every check in the timeline, the
// monitoring schedule with an injected clock, re-uploads as child targets, purge dates the victim
// sees, legal holds, `takedownctl purge` (dry run and real), the daily purge in the service, and a
// raw scan that proves purged ciphertext gone.
//
// Nothing here reaches any address other than 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, ctl, tempDir, freePort, REPO, I18N, holdReader, call as callAs, sql as sqlOn, ON_PG, sqliteOnly } from './lib.mjs';

const HOUR = 3600;
const DAY = 86400;
const CHECK_TIMEOUT = 2;
// The background thread never runs during the tests: every pass is a POST /debug/tick.
const BASE_ARGS = ['--debug-routes', '--trust-proxy', '--check-timeout', String(CHECK_TIMEOUT), '--tick-seconds', '86400'];
const SERVER_ARGS = [...BASE_ARGS, '--check-private'];
const RETENTION_DAYS_C = 2; // the retention server runs with --retention-days 2

const ZH = I18N['zh-CN'];
const t = (key) => {
  const v = ZH[key];
  assert.ok(typeof v === 'string', `i18n key ${key} exists`);
  return v;
};
const mark = (tag) => `${tag}${randomBytes(5).toString('hex')}`;
// The date a victim sees: China time, YYYY-MM-DD.
const chinaDate = (s) => new Date((s + 8 * HOUR) * 1000).toISOString().slice(0, 10);
// "2030-01-02 10:00" China time in seconds.
const chinaTime = (y, mo, d, h, mi) => Date.UTC(y, mo - 1, d, h - 8, mi) / 1000;
const near = (a, b, slack, what) => assert.ok(Math.abs(a - b) <= slack, `${what}: ${a} is not within ${slack} s of ${b}`);

// ---- the fake platform ----

const fake = { server: null, port: 0, hits: new Map(), toggleUp: false };
const hits = (p) => fake.hits.get(p) || 0;
const link = (p, port = fake.port) => `http://127.0.0.1:${port}${p}`;

function startFake() {
  const server = http.createServer((req, res) => {
    const p = req.url.split('?')[0];
    fake.hits.set(p, hits(p) + 1);
    const page = (status, body, headers = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
      res.end(body);
    };
    switch (p) {
      case '/ok': return page(200, '<html>video</html>');
      case '/gone404': return page(404, '<html>nothing here</html>');
      case '/gone410': return page(410, '<html>gone for good</html>');
      case '/redirect-removed': return page(302, '', { Location: '/content/removed' });
      case '/content/removed': return page(200, '<html>see our rules</html>');
      case '/redirect-ok': return page(302, '', { Location: '/ok' });
      case '/body-removed': return page(200, '<html><p>抱歉,该内容已被删除</p></html>');
      case '/body-unavailable': return page(200, '<html><h1>Video unavailable</h1></html>');
      case '/error500': return page(500, '<html>oops</html>');
      case '/slow': return; // never answers: the checker's timeout ends it
      // Redirects to special-purpose addresses that lead back to this machine.
      case '/redirect-zero': return page(302, '', { Location: `http://0.0.0.0:${fake.port}/page/via-zero` });
      case '/redirect-mapped-zero': return page(302, '', { Location: `http://[::ffff:0.0.0.0]:${fake.port}/page/via-mapped-zero` });
      case '/redirect-mapped-loopback': return page(302, '', { Location: `http://[::ffff:127.0.0.1]:${fake.port}/page/via-mapped-loopback` });
      case '/toggle': return fake.toggleUp ? page(200, '<html>video</html>') : page(404, '<html>no</html>');
      default:
        if (p.startsWith('/page/')) return page(200, '<html>video</html>');
        return page(404, '<html>no</html>');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    fake.server = server;
    fake.port = server.address().port;
    resolve();
  }));
}

// ---- HTTP ----

let addrN = 0;
const addr = () => {
  addrN++;
  return `10.${150 + (addrN >> 16)}.${(addrN >> 8) & 255}.${addrN & 255}`;
};
const STAFF_XFF = '10.149.0.1';

const call = (base, method, p, opts = {}) => callAs(base, method, p, { ...opts, xff: opts.xff || addr() });

// A signed-in person on one server: staff or a victim; the csrf token goes with unsafe methods.
function as(who, method, p, json) {
  const unsafe = !['GET', 'HEAD'].includes(method);
  return call(who.base, method, p, {
    cookie: who.cookie, xff: who.xff, csrf: unsafe ? who.csrf : undefined, json: unsafe ? (json ?? {}) : undefined,
  });
}

// ---- the servers ----

function makeDir(prefix) {
  const dir = tempDir(prefix);
  const pw = { admin: 'Admin-' + randomBytes(8).toString('hex') };
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]);
  assert.equal(init.status, 0, init.stderr);
  for (const [login, role] of [['cw1', 'caseworker'], ['cw2', 'caseworker'], ['aud1', 'auditor']]) {
    pw[login] = `${login}-` + randomBytes(8).toString('hex');
    const r = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', role, login], [pw.admin, pw[login], pw[login]]);
    assert.equal(r.status, 0, r.stderr);
  }
  return { dir, pw };
}

// Signs a staff member in, then makes one staff call so the service holds the org key for the
// background checks (it keeps it only while staff are active).
async function signIn(S, login = 'cw1', xff = STAFF_XFF) {
  const r = await call(S.srv.base, 'POST', '/api/v1/staff/session', { json: { login, password: S.pw[login] }, xff });
  assert.equal(r.status, 200, `${login} signs in: ${r.text}`);
  const who = { base: S.srv.base, cookie: r.cookies.td_session, csrf: r.body.csrf, xff, login };
  assert.equal((await as(who, 'GET', '/api/v1/staff/me')).status, 200);
  S[login] = who;
  return who;
}

async function serverNow(srv) {
  const r = await call(srv.base, 'POST', '/debug/clock?seconds=0', { json: {} });
  assert.equal(r.status, 200);
  return r.body.now;
}
async function shift(srv, seconds) {
  const r = await call(srv.base, 'POST', `/debug/clock?seconds=${seconds}`, { json: {} });
  assert.equal(r.status, 200);
  return r.body.now;
}
async function tick(srv) {
  const r = await call(srv.base, 'POST', '/debug/tick', { json: {} });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

const A = {}; // the main server: --check-private
const C = {}; // the retention server: its own data, --retention-days 2
const extra = []; // other servers to stop
let closedPort;

before(async () => {
  await startFake();
  closedPort = await freePort(); // nothing listens there: connection refused
  Object.assign(A, makeDir('takedown-offline-'));
  A.srv = await startServer({ dataDir: A.dir, args: SERVER_ARGS });
  await signIn(A, 'cw1');
  await signIn(A, 'cw2');
  await signIn(A, 'aud1');
  Object.assign(C, makeDir('takedown-retention-'));
  C.srv = await startServer({ dataDir: C.dir, args: [...SERVER_ARGS, '--retention-days', String(RETENTION_DAYS_C)] });
});

after(async () => {
  for (const s of extra) await s.stop();
  if (A.srv) await A.srv.stop();
  if (C.srv) await C.srv.stop();
  for (const s of [fake.server, proxy.server].filter(Boolean)) {
    s.closeAllConnections();
    s.close();
  }
  for (const d of [A.dir, C.dir]) if (d) rmSync(d, { recursive: true, force: true });
});

// ---- cases ----

// A report whose requester details are all markers, so a page can be searched for them.
function report(targets) {
  const digits = String(10000000 + Math.floor(Math.random() * 89999999));
  const who = {
    name: mark('王小明'),
    phone: `+86 139${digits}`,
    description: mark('在地铁站被人偷拍'),
    signature: mark('签名'),
  };
  const rep = {
    language: 'zh-CN',
    requester: { role: 'self', name: who.name, contact: { channel: 'phone', value: who.phone, safe_hours: '晚上', may_leave_message: false } },
    incident: { type: 'crime', date: '2024-05-01', place: '上海' },
    description: who.description,
    consent: { share_identity_with_platform: true, preservation: 'fingerprint' },
    good_faith: true,
    signature: who.signature,
    targets,
    fingerprints: [{ alg: 'sha256', value: randomBytes(32).toString('hex') }],
  };
  return { rep, who };
}
const online = (p, port) => ({ kind: 'online', url: link(p, port) });
const offline = (holder = mark('便利店老板'), where = mark('南京路监控室')) => ({ kind: 'offline', holder, where });

// Files a report on server S and signs the victim in with the receipt.
async function newCase(S, targets) {
  const { rep, who } = report(targets);
  const xff = addr();
  const r = await call(S.srv.base, 'POST', '/api/v1/cases', { json: rep, xff });
  assert.equal(r.status, 201, r.text);
  const victim = await receipt(S, r.body.receipt, xff);
  return { caseId: r.body.case, receipt: r.body.receipt, who, victim, rep };
}
async function receipt(S, code, xff = addr()) {
  const s = await call(S.srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: code }, xff });
  assert.equal(s.status, 200, s.text);
  return { base: S.srv.base, cookie: s.cookies.td_session, csrf: s.body.csrf, xff };
}

async function view(who, caseId) {
  const r = await as(who, 'GET', `/api/v1/staff/cases/${caseId}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}
const byPath = (v, p) => {
  const found = v.targets.find((x) => x.kind === 'online' && x.body.canonical.endsWith(p));
  assert.ok(found, `a target for ${p}`);
  return found;
};
const offlineOf = (v) => v.targets.find((x) => x.kind === 'offline');
const byId = (v, id) => v.targets.find((x) => x.id === id);
const checksOf = (v, tid) => v.timeline.filter((e) => e.kind === 'check' && e.target === tid);

function move(who, tid, to, fields = {}) {
  return as(who, 'POST', `/api/v1/staff/targets/${tid}/transition`, { to, ...fields });
}
async function moveOk(who, tid, to, fields = {}) {
  const r = await move(who, tid, to, fields);
  assert.equal(r.status, 200, `${tid} -> ${to}: ${r.text}`);
  assert.deepEqual(r.body, { target: tid, state: to });
}
// An online target to "removed" the way a caseworker does it (cn_complaint: reason; the
// fingerprint is the evidence, the consented name the identity).
async function toRemoved(who, tid) {
  for (const to of ['in_review', 'ready']) await moveOk(who, tid, to);
  await moveOk(who, tid, 'notice_sent', { reason: '未经同意传播私密视频', ticket: 'T-1', channel: 'web form' });
  await moveOk(who, tid, 'removed');
}
async function decline(who, tid) {
  await moveOk(who, tid, 'in_review');
  await moveOk(who, tid, 'declined', { reason: '不属于我们能处理的范围' });
}
async function myCase(victim) {
  const r = await as(victim, 'GET', '/api/v1/my/case');
  assert.equal(r.status, 200, r.text);
  return r.body;
}
// Withdraws a case as its victim: no clock runs and nothing is checked any more.
async function withdraw(victim) {
  const r = await as(victim, 'POST', '/api/v1/my/withdraw', {});
  assert.equal(r.status, 200, r.text);
  return r.body;
}

// ---- raw bytes ----

const sql = (dir, query) => sqlOn(dir, query, { readonly: true });
// The ciphertexts a case leaves in the database: its body, its sealed key, its targets' bodies.
function ciphertexts(dir, caseId) {
  const [body, sealed] = sql(dir, `SELECT hex(body), hex(sealed_key) FROM cases WHERE id='${caseId}'`).split('|');
  assert.ok(body && body.length >= 64 && sealed && sealed.length >= 64, `case ${caseId} has ciphertext`);
  const targets = sql(dir, `SELECT hex(body) FROM targets WHERE case_id='${caseId}'`).split('\n').filter((h) => h.length >= 64);
  assert.ok(targets.length >= 1);
  return [body, sealed, ...targets].map((h) => Buffer.from(h, 'hex'));
}
function dbBytes(dir) {
  return Buffer.concat(['takedown.db', 'takedown.db-wal'].map((f) => path.join(dir, f))
    .filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}
const caseRows = (dir, caseId) => Number(sql(dir, `SELECT count(*) FROM cases WHERE id='${caseId}'`));

// =============================== offline copies ===============================

test('an offline target in review starts a 24-hour clock to the first visit; the victim sees it', async () => {
  const c = await newCase(A, [offline()]);
  const off = offlineOf(await view(A.cw1, c.caseId));
  assert.equal(off.state, 'reported');
  assert.equal(off.due_at, undefined, 'no clock before review');
  const now = await serverNow(A.srv);
  await moveOk(A.cw1, off.id, 'in_review');
  const v = await view(A.cw1, c.caseId);
  const after = offlineOf(v);
  near(after.due_at, now + 24 * HOUR, 60, 'due 24 h after review');
  assert.equal(after.overdue, false);
  assert.ok(after.next.includes('visit_planned') && after.next.includes('declined'));
  const mine = await myCase(c.victim);
  near(mine.targets[0].due_at, now + 24 * HOUR, 60, 'the victim sees the same clock');
  near(mine.next_due, now + 24 * HOUR, 60);
  // Offline copies are never sent notices or checked online.
  assert.equal((await move(A.cw1, off.id, 'ready')).status, 409);
  const chk = await as(A.cw1, 'POST', `/api/v1/staff/targets/${off.id}/check`, {});
  assert.equal(chk.status, 409);
});

test('visits: one staff member, or the same one twice, is refused (422); two different staff plan it', async () => {
  const c = await newCase(A, [offline(), online('/page/visit-online')]);
  const v0 = await view(A.cw1, c.caseId);
  const off = offlineOf(v0);
  await moveOk(A.cw1, off.id, 'in_review');
  const plan = { planned_at: '2030-01-02 10:00', place: mark('南京路便利店'), staff_a: 'cw1', staff_b: 'cw2' };
  const refused = async (fields, field, what) => {
    const r = await move(A.cw1, off.id, 'visit_planned', fields);
    assert.equal(r.status, 422, `${what}: ${r.text}`);
    assert.equal(r.body.error.code, 'invalid');
    assert.equal(r.body.error.field, field, what);
  };
  await refused({ ...plan, staff_b: undefined }, 'staff_b', 'one staff member');
  await refused({ ...plan, staff_b: 'cw1' }, 'staff_b', 'the same staff member twice');
  await refused({ ...plan, staff_a: 'cw2', staff_b: 'cw2' }, 'staff_b', 'the same one twice, the other way');
  await refused({ ...plan, staff_a: undefined, staff_b: undefined }, 'staff_a', 'no staff');
  await refused({ ...plan, staff_b: 'aud1' }, 'staff_b', 'an auditor does not visit');
  await refused({ ...plan, staff_a: 'nobody-here' }, 'staff_a', 'an unknown login');
  await refused({ ...plan, planned_at: '2030-01-02' }, 'planned_at', 'a date without a time');
  await refused({ ...plan, planned_at: '2030-13-02 10:00' }, 'planned_at', 'no such month');
  await refused({ ...plan, place: undefined }, 'place', 'no place');
  assert.equal(offlineOf(await view(A.cw1, c.caseId)).state, 'in_review', 'nothing changed');
  // Visits are for offline copies only.
  const on = byPath(v0, '/page/visit-online');
  await moveOk(A.cw1, on.id, 'in_review');
  assert.equal((await move(A.cw1, on.id, 'visit_planned', plan)).status, 409);

  await moveOk(A.cw1, off.id, 'visit_planned', plan);
  const planned = offlineOf(await view(A.cw1, c.caseId));
  assert.equal(planned.state, 'visit_planned');
  assert.equal(planned.due_at, chinaTime(2030, 1, 2, 10, 0), 'the visit is due when it is planned for (China time)');
  const mine = await myCase(c.victim);
  assert.equal(mine.targets.find((x) => x.kind === 'offline').state, 'visit_planned');
  const page = await as(c.victim, 'GET', '/my');
  assert.ok(page.text.includes(t('victim.state.visit_planned')));
  assert.ok(!page.text.includes(plan.place), 'the victim page does not show where staff go');
});

test('the next states offered for a target are the ones it may take (offline: no notice; online: no visit)', async () => {
  const c = await newCase(A, [offline(), online('/page/next-states')]);
  const v0 = await view(A.cw1, c.caseId);
  for (const tgt of v0.targets) await moveOk(A.cw1, tgt.id, 'in_review');
  const v = await view(A.cw1, c.caseId);
  const off = offlineOf(v);
  const on = byPath(v, '/page/next-states');
  assert.equal((await move(A.cw1, off.id, 'ready')).status, 409, 'an offline copy gets no notice');
  assert.equal((await move(A.cw1, on.id, 'visit_planned', { planned_at: '2030-01-02 10:00', place: 'p', staff_a: 'cw1', staff_b: 'cw2' })).status, 409, 'an online copy gets no visit');
  assert.deepEqual(off.next.slice().sort(), ['declined', 'visit_planned'], 'offered to the offline copy');
  assert.deepEqual(on.next.slice().sort(), ['declined', 'ready'], 'offered to the online copy');
});

test('visit sheet before a visit: holder and where, nothing of the requester; workers only', async () => {
  const holder = mark('邻居张先生');
  const where = mark('手机和云盘');
  const c = await newCase(A, [offline(holder, where), online('/page/sheet-online')]);
  const v = await view(A.cw1, c.caseId);
  const off = offlineOf(v);
  await moveOk(A.cw1, off.id, 'in_review');
  const r = await as(A.cw1, 'GET', `/api/v1/staff/targets/${off.id}/visit-sheet`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.case, c.caseId);
  assert.equal(r.body.target, off.id);
  assert.equal(r.body.state, 'in_review');
  assert.equal(r.body.holder, holder);
  assert.equal(r.body.where, where);
  assert.deepEqual(r.body.visits, []);
  const page = await as(A.cw1, 'GET', `/staff/targets/${off.id}/visit-sheet`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.ok(page.text.includes(holder) && page.text.includes(where), 'the page names the holder and the place');
  const digits = c.who.phone.replace(/\D/g, '');
  for (const [what, text] of [['api', r.text], ['page', page.text]]) {
    for (const [k, s] of Object.entries(c.who)) assert.ok(!text.includes(s), `${what}: the requester's ${k} is on the sheet`);
    assert.ok(!text.includes(digits.slice(2)), `${what}: the phone digits are on the sheet`);
  }
  // Only offline targets have a sheet; only workers see it.
  assert.equal((await as(A.cw1, 'GET', `/api/v1/staff/targets/${byPath(v, '/page/sheet-online').id}/visit-sheet`)).status, 409);
  assert.equal((await as(A.aud1, 'GET', `/api/v1/staff/targets/${off.id}/visit-sheet`)).status, 403);
  assert.equal((await call(A.srv.base, 'GET', `/api/v1/staff/targets/${off.id}/visit-sheet`)).status, 401);
  assert.equal((await as(A.cw1, 'GET', '/api/v1/staff/targets/999999/visit-sheet')).status, 404);
});

test('visit sheet with a planned visit: planned time, place and the two staff, still nothing of the requester', async () => {
  const holder = mark('前同事');
  const c = await newCase(A, [offline(holder)]);
  const off = offlineOf(await view(A.cw1, c.caseId));
  await moveOk(A.cw1, off.id, 'in_review');
  const place = mark('浦东新区某小区门口');
  await moveOk(A.cw1, off.id, 'visit_planned', { planned_at: '2030-03-04 15:30', place, staff_a: 'cw1', staff_b: 'cw2' });
  const r = await as(A.cw2, 'GET', `/api/v1/staff/targets/${off.id}/visit-sheet`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.holder, holder);
  assert.equal(r.body.visits.length, 1);
  const visit = r.body.visits[0];
  assert.equal(visit.planned_at, chinaTime(2030, 3, 4, 15, 30));
  assert.equal(visit.planned, '2030-03-04 15:30');
  assert.equal(visit.place, place);
  assert.deepEqual([visit.staff_a, visit.staff_b].sort(), ['cw1', 'cw2']);
  const page = await as(A.cw2, 'GET', `/staff/targets/${off.id}/visit-sheet`);
  assert.equal(page.status, 200);
  for (const s of [holder, place, '2030-03-04 15:30', 'cw1', 'cw2']) assert.ok(page.text.includes(s), `the page shows ${s}`);
  for (const [k, s] of Object.entries(c.who)) {
    assert.ok(!r.text.includes(s), `api: the requester's ${k}`);
    assert.ok(!page.text.includes(s), `page: the requester's ${k}`);
  }
});

test('recording a visit: copies shared onward become online targets linked to the offline one', async () => {
  const c = await newCase(A, [offline()]);
  const off = offlineOf(await view(A.cw1, c.caseId));
  await moveOk(A.cw1, off.id, 'in_review');
  await moveOk(A.cw1, off.id, 'visit_planned', { planned_at: '2030-05-06 09:00', place: mark('店'), staff_a: 'cw2', staff_b: 'cw1' });
  // A bad link refuses the whole record.
  const bad = await move(A.cw1, off.id, 'visited_deleted', { reason: 'x', statement: 'yes', onward: `${link('/page/onward-a')}\nnot a link at all` });
  assert.equal(bad.status, 422, bad.text);
  assert.equal(bad.body.error.field, 'onward');
  assert.equal(offlineOf(await view(A.cw1, c.caseId)).state, 'visit_planned');

  const notes = mark('持有人当面删除了手机和云盘里的文件');
  const onward = [link('/page/onward-a'), link('/page/onward-b')];
  await moveOk(A.cw1, off.id, 'visited_deleted', { reason: notes, statement: 'yes', onward: onward.join('\r\n') + '\n\n' });
  const v = await view(A.cw1, c.caseId);
  const parent = offlineOf(v);
  assert.equal(parent.state, 'visited_deleted');
  const kids = v.targets.filter((x) => x.parent === parent.id);
  assert.equal(kids.length, 2, 'one online target per onward link');
  assert.deepEqual(kids.map((k) => k.body.canonical).sort(), onward.slice().sort());
  for (const k of kids) {
    assert.equal(k.kind, 'online');
    assert.equal(k.state, 'reported');
    assert.equal(k.open, true);
  }
  assert.deepEqual(parent.children.slice().sort(), kids.map((k) => k.id).sort());
  assert.equal(v.timeline.filter((e) => e.kind === 'target.onward').length, 2);
  const sheet = await as(A.cw1, 'GET', `/api/v1/staff/targets/${parent.id}/visit-sheet`);
  assert.equal(sheet.body.visits[0].outcome, 'visited_deleted');
  assert.equal(sheet.body.visits[0].notes, notes);
  assert.equal(sheet.body.visits[0].statement, true);
  // The victim sees the new copies, and the case stays open for them (no purge date).
  const mine = await myCase(c.victim);
  assert.equal(mine.state, 'open');
  assert.equal(mine.targets.filter((x) => x.parent === parent.id).length, 2);
  assert.equal(mine.purge_after, undefined);
});

// =============================== clocks ===============================

test('counter-notice: its own 15-day clock, shown to the victim', async () => {
  const c = await newCase(A, [online('/page/counter')]);
  const tid = (await view(A.cw1, c.caseId)).targets[0].id;
  await toRemoved(A.cw1, tid);
  const removed = byId(await view(A.cw1, c.caseId), tid);
  assert.equal(removed.state, 'removed');
  assert.deepEqual(removed.next.sort(), ['counter_noticed', 'verified_gone']);
  assert.equal(removed.due_at, undefined, 'no clock runs once removed');
  await moveOk(A.cw1, tid, 'counter_noticed', { reason: '上传者声称拥有版权' });
  const now = await serverNow(A.srv);
  const cn = byId(await view(A.cw1, c.caseId), tid);
  assert.equal(cn.state, 'counter_noticed');
  near(cn.due_at, now + 15 * DAY, 60, 'counter-notice due in 15 days');
  const mine = await myCase(c.victim);
  assert.equal(mine.targets[0].state, 'counter_noticed');
  near(mine.targets[0].due_at, now + 15 * DAY, 60, 'the victim sees the 15-day clock');
  const page = await as(c.victim, 'GET', '/my');
  assert.ok(page.text.includes(t('victim.state.counter_noticed')));
  await moveOk(A.cw1, tid, 'upheld');
  const done = byId(await view(A.cw1, c.caseId), tid);
  assert.equal(done.open, false);
});

// =============================== the checker ===============================

test('checker classification against the fake platform: up, gone, unknown; every check in the timeline', async () => {
  const table = [
    // [link, result, how, status]
    [link('/ok'), 'up', 'status 200', 200],
    [link('/gone404'), 'gone', 'status 404', 404],
    [link('/gone410'), 'gone', 'status 410', 410],
    [link('/redirect-removed'), 'gone', 'removal page', 200],
    [link('/redirect-ok'), 'up', 'status 200', 200],
    [link('/body-removed'), 'gone', 'removal page', 200],
    [link('/body-unavailable'), 'gone', 'removal page', 200],
    [link('/error500'), 'unknown', 'status 500', 500],
    [link('/slow'), 'unknown', 'timeout', 0],
    [link('/refused', closedPort), 'unknown', 'connection refused', 0],
  ];
  const c = await newCase(A, table.map(([url]) => ({ kind: 'online', url })).concat([offline()]));
  const v = await view(A.cw1, c.caseId);
  const before = new Map(fake.hits);
  const failures = [];
  for (const [url, result, how, status] of table) {
    const tgt = v.targets.find((x) => x.body.canonical === url);
    assert.ok(tgt, `a target for ${url}`);
    const t0 = Date.now();
    const r = await as(A.cw1, 'POST', `/api/v1/staff/targets/${tgt.id}/check`, {});
    const took = (Date.now() - t0) / 1000;
    assert.equal(r.status, 200, `${url}: ${r.text}`);
    const got = { result: r.body.result, how: r.body.how, status: r.body.status };
    const want = { result, how, status };
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${url}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    assert.equal(r.body.target, tgt.id);
    // The slow page is cut at --check-timeout, not before, and not at the default (10 s). The
    // others are bounded by the same timeout, which the table shows: none of them is 'timeout'.
    if (url.endsWith('/slow')) assert.ok(took >= CHECK_TIMEOUT - 0.5 && took < 9, `the timeout is --check-timeout (${took} s)`);
  }
  assert.deepEqual(failures, []);
  // The checker really went to the fake platform, following redirects.
  for (const p of ['/ok', '/gone404', '/gone410', '/redirect-removed', '/content/removed', '/redirect-ok', '/body-removed', '/body-unavailable', '/error500', '/slow']) {
    assert.ok(hits(p) > (before.get(p) || 0), `the checker asked for ${p}`);
  }
  assert.ok(hits('/ok') >= (before.get('/ok') || 0) + 2, '/redirect-ok ended on /ok');

  // Every result is in the timeline with what it meant and how it was found.
  const after = await view(A.cw1, c.caseId);
  for (const [url, result, how, status] of table) {
    const tgt = after.targets.find((x) => x.body.canonical === url);
    const events = checksOf(after, tgt.id);
    assert.equal(events.length, 1, `one check event for ${url}`);
    assert.deepEqual(events[0].detail, { result, how, status }, `the timeline entry for ${url}`);
    assert.equal(tgt.state, 'reported', 'a check alone moves nothing that was not removed');
  }
  // Nothing of this case should be checked again in the background.
  await withdraw(c.victim);
});

test('without --check-private a loopback link is never fetched: unknown, "private address refused"', async () => {
  const c = await newCase(A, [online('/page/private-probe')]);
  const tid = (await view(A.cw1, c.caseId)).targets[0].id;
  const B = { pw: A.pw, dir: A.dir };
  B.srv = await startServer({ dataDir: A.dir, args: BASE_ARGS });
  extra.push(B.srv);
  const cw = await signIn(B, 'cw1');
  const r = await as(cw, 'POST', `/api/v1/staff/targets/${tid}/check`, {});
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { target: tid, result: 'unknown', how: 'private address refused', status: 0 });
  assert.equal(hits('/page/private-probe'), 0, 'no request reached the address');
  // A redirect from a public page to a private one would be refused the same way; here the
  // control: the server that may reach private addresses does reach it.
  const ok = await as(A.cw1, 'POST', `/api/v1/staff/targets/${tid}/check`, {});
  assert.equal(ok.body.result, 'up');
  assert.equal(hits('/page/private-probe'), 1);
  const events = checksOf(await view(A.cw1, c.caseId), tid);
  assert.deepEqual(events.map((e) => e.detail.how), ['private address refused', 'status 200']);
  await B.srv.stop();
  await withdraw(c.victim);
});

// A proxy that records every request (plain or CONNECT) and answers 404 to each: a check that
// went through it would be "gone" and leave a trace here.
const proxy = { server: null, port: 0, seen: [] };
function startProxy() {
  const server = http.createServer((req, res) => {
    proxy.seen.push(`${req.method} ${req.url}`);
    res.writeHead(404, { 'Content-Type': 'text/html' });
    res.end('<html>from the proxy</html>');
  });
  server.on('connect', (req, sock) => {
    proxy.seen.push(`CONNECT ${req.url}`);
    sock.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    proxy.server = server;
    proxy.port = server.address().port;
    resolve();
  }));
}
const proxyEnv = () => {
  const url = `http://127.0.0.1:${proxy.port}`;
  return { http_proxy: url, HTTP_PROXY: url, https_proxy: url, HTTPS_PROXY: url, ALL_PROXY: url, all_proxy: url, NO_PROXY: '', no_proxy: '' };
};
async function checkOf(who, tid) {
  const r = await as(who, 'POST', `/api/v1/staff/targets/${tid}/check`, {});
  assert.equal(r.status, 200, r.text);
  return r.body;
}

test('without --check-private and with proxy variables set: loopback by address or by name is refused, nothing reaches the proxy', async () => {
  if (!proxy.server) await startProxy();
  const paths = ['/page/probe-127-0-0-2', '/page/probe-localhost', '/page/probe-zero'];
  const urls = [
    `http://127.0.0.2:${fake.port}${paths[0]}`,
    `http://localhost:${fake.port}${paths[1]}`,
    `http://0.0.0.0:${fake.port}${paths[2]}`,
  ];
  const c = await newCase(A, urls.map((url) => ({ kind: 'online', url })));
  const v = await view(A.cw1, c.caseId);
  const B = { pw: A.pw, dir: A.dir };
  B.srv = await startServer({ dataDir: A.dir, args: BASE_ARGS, env: proxyEnv() });
  extra.push(B.srv);
  const cw = await signIn(B, 'cw1', '10.149.0.2'); // its own address: sign-ins per address are limited
  const seenBefore = proxy.seen.length;
  const want = ['private address refused', 'private address refused', 'reserved address refused'];
  const got = [];
  for (const url of urls) {
    const tgt = v.targets.find((x) => x.body.canonical === url);
    assert.ok(tgt, `a target for ${url}`);
    const r = await checkOf(cw, tgt.id);
    got.push([r.result, r.how, r.status]);
  }
  assert.deepEqual(got, want.map((how) => ['unknown', how, 0]));
  assert.deepEqual(proxy.seen.slice(seenBefore), [], 'the proxy saw no request');
  for (const p of paths) assert.equal(hits(p), 0, `nothing reached ${p}`);
  const after = await view(A.cw1, c.caseId);
  for (const [i, url] of urls.entries()) {
    const tgt = after.targets.find((x) => x.body.canonical === url);
    assert.deepEqual(checksOf(after, tgt.id).map((e) => e.detail.how), [want[i]], `recorded as refused: ${url}`);
  }
  // An IPv6 literal such as [::ffff:127.0.0.1] is not a link the service takes at all.
  const lit = await call(A.srv.base, 'POST', '/api/v1/cases', { json: report([{ kind: 'online', url: `http://[::ffff:127.0.0.1]:${fake.port}/x` }]).rep });
  assert.equal(lit.status, 422);
  assert.deepEqual(lit.body.errors.map((e) => [e.field, e.code]), [['targets[0].url', 'bad_host']]);
  await B.srv.stop();
  await withdraw(c.victim);
});

test('with --check-private and proxy variables set: the fake platform is checked directly; special ranges stay refused at every redirect hop', async () => {
  if (!proxy.server) await startProxy();
  const P = { pw: A.pw, dir: A.dir };
  P.srv = await startServer({ dataDir: A.dir, args: SERVER_ARGS, env: proxyEnv() });
  extra.push(P.srv);
  const cw = await signIn(P, 'cw1', '10.149.0.3');
  const table = [
    // [link, result, how, status, the path the fake platform must (1) or must not (0) see]
    [link('/page/direct'), 'up', 'status 200', 200, '/page/direct', 1],
    [link('/gone404'), 'gone', 'status 404', 404, '/gone404', 1],
    [link('/redirect-zero'), 'unknown', 'reserved address refused', 0, '/page/via-zero', 0],
    [link('/redirect-mapped-zero'), 'unknown', 'reserved address refused', 0, '/page/via-mapped-zero', 0],
    [link('/redirect-mapped-loopback'), 'up', 'status 200', 200, '/page/via-mapped-loopback', 1],
  ];
  const c = await newCase(A, table.map(([url]) => ({ kind: 'online', url })));
  const v = await view(A.cw1, c.caseId);
  const seenBefore = proxy.seen.length;
  const failures = [];
  for (const [url, result, how, status, p, n] of table) {
    const tgt = v.targets.find((x) => x.body.canonical === url);
    const before = hits(p);
    const r = await checkOf(cw, tgt.id);
    const got = JSON.stringify([r.result, r.how, r.status, hits(p) - before]);
    if (got !== JSON.stringify([result, how, status, n])) failures.push(`${url}: got ${got}`);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(proxy.seen.slice(seenBefore), [], 'the proxy saw no request');
  await P.srv.stop();
  await withdraw(c.victim);
});

test('links: the raw and the percent-encoded spelling of a Chinese link are one link to the blind index; other words are not', async () => {
  const tag = randomBytes(4).toString('hex');
  const word = `中文${tag}`;
  const raw = `https://tieba.baidu.com/f?kw=${word}`;
  const encoded = `https://tieba.baidu.com/f?kw=${encodeURIComponent(word).toLowerCase()}`;
  const other = `https://tieba.baidu.com/f?kw=其他${tag}`;
  const a = await newCase(A, [{ kind: 'online', url: raw }]);
  const o = await newCase(A, [{ kind: 'online', url: other }]);
  const b = await newCase(A, [{ kind: 'online', url: encoded }]);
  const va = await view(A.cw1, a.caseId);
  const vo = await view(A.cw1, o.caseId);
  const vb = await view(A.cw1, b.caseId);
  assert.equal(va.targets[0].body.canonical, `https://tieba.baidu.com/f?kw=${encodeURIComponent(word)}`);
  assert.equal(vb.targets[0].body.canonical, va.targets[0].body.canonical, 'one canonical link');
  assert.notEqual(vo.targets[0].body.canonical, va.targets[0].body.canonical);
  const onUrl = (x) => x.matches.filter((m) => m.on === 'url').map((m) => m.case);
  assert.deepEqual(onUrl(vb), [a.caseId], 'the encoded spelling finds the raw one, and only it');
  assert.deepEqual(onUrl(await view(A.cw1, a.caseId)), [b.caseId], 'and back; the other word is no match');
  assert.deepEqual(onUrl(await view(A.cw1, o.caseId)), []);
  for (const x of [a, o, b]) await withdraw(x.victim);
});

// =============================== re-uploads and purge dates ===============================

test('a re-upload creates a child target; a closed case with a new open copy loses its purge date', async () => {
  const c = await newCase(A, [online('/page/orig')]);
  const tid = (await view(A.cw1, c.caseId)).targets[0].id;
  // The check button on the case page: a form post, back to the target on the page.
  const cw = A.cw1;
  const noCsrf = await call(A.srv.base, 'POST', `/staff/targets/${tid}/check`, { cookie: cw.cookie, xff: cw.xff, form: { case: c.caseId } });
  assert.equal(noCsrf.status, 403);
  const button = await call(A.srv.base, 'POST', `/staff/targets/${tid}/check`, { cookie: cw.cookie, xff: cw.xff, form: { csrf: cw.csrf, case: c.caseId } });
  assert.equal(button.status, 303, button.text);
  assert.equal(button.headers.get('location'), `/staff/cases/${c.caseId}#target-${tid}`);
  assert.deepEqual(checksOf(await view(cw, c.caseId), tid).map((e) => e.detail), [{ result: 'up', how: 'status 200', status: 200 }]);
  await decline(A.cw1, tid);
  const closed = await view(A.cw1, c.caseId);
  const now = await serverNow(A.srv);
  near(closed.purge_after, now + 180 * DAY, 120, 'closed: purged in 180 days by default');
  assert.equal((await myCase(c.victim)).state, 'closed');

  const bad = await as(A.cw1, 'POST', `/api/v1/staff/targets/${tid}/reupload`, { url: 'not a link' });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.field, 'url');
  assert.equal((await as(A.cw1, 'POST', '/api/v1/staff/targets/999999/reupload', { url: link('/page/x') })).status, 404);
  assert.equal((await as(A.aud1, 'POST', `/api/v1/staff/targets/${tid}/reupload`, { url: link('/page/x') })).status, 403);

  const r = await as(A.cw1, 'POST', `/api/v1/staff/targets/${tid}/reupload`, { url: link('/page/copy-1') });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.parent, tid);
  const child = r.body.target;
  const v = await view(A.cw1, c.caseId);
  const kid = byId(v, child);
  assert.equal(kid.parent, tid);
  assert.equal(kid.state, 'reported');
  assert.equal(kid.kind, 'online');
  assert.equal(kid.body.canonical, link('/page/copy-1'));
  assert.deepEqual(byId(v, tid).children, [child]);
  assert.ok(v.timeline.some((e) => e.kind === 'target.reupload' && e.target === child && e.to === 'reported'));
  assert.equal(v.purge_after, null, 'open again: no purge date');
  const mine = await myCase(c.victim);
  assert.equal(mine.state, 'open');
  assert.equal(mine.purge_after, undefined);
  assert.equal(mine.targets.find((x) => x.id === child).parent, tid, 'the victim sees the new copy under the old one');
  await decline(A.cw1, child);
});

test('the victim sees the purge date: a closed case, and a withdrawn one', async () => {
  const c = await newCase(A, [online('/page/closed-1'), offline()]);
  const v = await view(A.cw1, c.caseId);
  await decline(A.cw1, v.targets[0].id);
  assert.equal((await myCase(c.victim)).purge_after, undefined, 'one copy still open: no date');
  await decline(A.cw1, v.targets[1].id);
  const now = await serverNow(A.srv);
  const mine = await myCase(c.victim);
  assert.equal(mine.state, 'closed');
  near(mine.purge_after, now + 180 * DAY, 120, 'closed: 180 days');
  const page = await as(c.victim, 'GET', '/my');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(t('my.purge_on').replace('{}', chinaDate(mine.purge_after))), 'the /my page shows the date');
  assert.equal((await view(A.cw1, c.caseId)).purge_after, mine.purge_after, 'staff see the same date');

  const w = await newCase(A, [online('/page/withdrawn-1')]);
  const open = await as(w.victim, 'GET', '/my');
  assert.ok(!open.text.includes(t('my.purge_on').split('{}')[0]), 'an open case shows no purge date');
  const out = await withdraw(w.victim);
  assert.equal(out.state, 'withdrawn');
  near(out.purge_after, out.withdrawn_at + 180 * DAY, 5, 'withdrawn: 180 days from the withdrawal');
  const wpage = await as(w.victim, 'GET', '/my');
  assert.ok(wpage.text.includes(t('my.purge_on').replace('{}', chinaDate(out.purge_after))));
});

// =============================== verification and monitoring ===============================

// After a clock jump every staff session is over: sign in again so the service holds the key.
async function jump(seconds) {
  await shift(A.srv, seconds);
  return signIn(A, 'cw1');
}
const tickChecks = async () => (await tick(A.srv)).checks;

// The monitored case, shared by the tests below (they run in order).
const M = {};
// One step of the injected clock: jump, tick, then the number of checks the tick ran and the
// number of check events the monitored target has.
async function step(seconds, checks, what) {
  const cw = await jump(seconds);
  const n = await tickChecks();
  M.expected += checks;
  const events = checksOf(await view(cw, M.c.caseId), M.tid);
  assert.equal(n, checks, `${what}: the tick ran ${n} check(s), want ${checks}`);
  assert.equal(events.length, M.expected, `${what}: ${events.length} check events, want ${M.expected}`);
  for (const e of events) assert.equal(e.detail.result, 'gone');
}

test('removed: checked an hour later, gone -> verified_gone -> monitoring; daily checks in the first week', async () => {
  fake.toggleUp = false;
  M.c = await newCase(A, [online('/toggle')]);
  M.tid = (await view(A.cw1, M.c.caseId)).targets[0].id;
  const { tid } = M;
  await toRemoved(A.cw1, tid);
  const hits0 = hits('/toggle');
  assert.equal(await tickChecks(), 0, 'not due yet: the check comes an hour after the removal');
  assert.equal(await tickChecks(), 0, 'still not');

  const cw = await jump(HOUR + 1);
  assert.equal(await tickChecks(), 1, 'an hour later the link is checked');
  assert.equal(hits('/toggle'), hits0 + 1, 'the checker asked the platform');
  const v = await view(cw, M.c.caseId);
  assert.equal(byId(v, tid).state, 'monitoring', 'gone: verified, then watched');
  const moves = v.timeline.filter((e) => e.kind === 'target.transition' && e.target === tid).map((e) => `${e.from}>${e.to}`);
  assert.deepEqual(moves, ['reported>in_review', 'in_review>ready', 'ready>notice_sent', 'notice_sent>removed', 'removed>verified_gone', 'verified_gone>monitoring']);
  assert.deepEqual(checksOf(v, tid).map((e) => e.detail), [{ result: 'gone', how: 'status 404', status: 404 }]);
  // The victim's session ended with the clock jump: the receipt again.
  const victim = await receipt(A, M.c.receipt);
  assert.equal((await myCase(victim)).targets[0].state, 'monitoring');
  assert.ok((await as(victim, 'GET', '/my')).text.includes(t('victim.state.monitoring')));
  assert.equal(await tickChecks(), 0, 'checked once, not again at once');

  M.expected = 1;
  await step(23 * HOUR, 0, '23 h after entering monitoring');
  await step(1 * HOUR, 1, 'day 1');
  for (let d = 2; d <= 6; d++) await step(DAY, 1, `day ${d}`);
  await step(DAY, 1, 'day 7 (the last daily check)');
});

test('monitoring schedule: weekly from the end of the first week, monthly after the first month', async () => {
  assert.equal(M.expected, 8, 'the first week ran');
  await step(DAY, 0, 'day 8: weekly now, nothing due');
  await step(6 * DAY, 1, 'day 14');
  await step(DAY, 0, 'day 15');
  await step(6 * DAY, 1, 'day 21');
  await step(7 * DAY, 1, 'day 28');
  await step(7 * DAY, 1, 'day 35 (past 30 days: monthly from here)');
  await step(7 * DAY, 0, 'day 42: monthly now, nothing due');
  await step(22 * DAY, 0, 'day 64');
  await step(DAY, 1, 'day 65');
});

test('a monitored link that is up again: the next due check makes a child target, reported, under it', async () => {
  const { tid } = M;
  assert.ok(tid, 'the monitoring test ran');
  let cw = await signIn(A, 'cw1');
  assert.equal(byId(await view(cw, M.c.caseId), tid).state, 'monitoring');
  fake.toggleUp = true;
  cw = await jump(30 * DAY); // whatever the schedule, a check is due within 30 days
  assert.equal(await tickChecks(), 1);
  const v = await view(cw, M.c.caseId);
  const last = checksOf(v, tid).at(-1);
  assert.deepEqual(last.detail, { result: 'up', how: 'status 200', status: 200 });
  const kids = v.targets.filter((x) => x.parent === tid);
  assert.equal(kids.length, 1, 'one re-upload child');
  assert.equal(kids[0].state, 'reported');
  assert.equal(kids[0].kind, 'online');
  assert.equal(kids[0].open, true);
  assert.equal(kids[0].body.canonical, link('/toggle'));
  assert.deepEqual(byId(v, tid).children, [kids[0].id]);
  assert.equal(byId(v, tid).state, 'monitoring', 'the parent is still watched');
  assert.ok(v.timeline.some((e) => e.kind === 'target.reupload' && e.target === kids[0].id && e.actor === 'system:checker'));
  const victim = await receipt(A, M.c.receipt);
  const seen = (await myCase(victim)).targets.find((x) => x.id === kids[0].id);
  assert.equal(seen.parent, tid, 'the victim sees the re-upload under the old copy');
  assert.equal(seen.state, 'reported');
  M.child = kids[0].id;
});

test('a link that stays up while monitored makes one re-upload child, not one per check', async () => {
  assert.ok(M.child, 'the previous test made a child');
  assert.equal(fake.toggleUp, true);
  const cw = await jump(30 * DAY);
  // The re-upload child carries the work from here: the parent is not checked again.
  assert.equal(await tickChecks(), 0, 'no further check of the parent');
  const v = await view(cw, M.c.caseId);
  assert.equal(checksOf(v, M.tid).at(-1).detail.result, 'up', 'its last check is the one that found it up');
  assert.deepEqual(v.targets.filter((x) => x.parent === M.tid).map((x) => x.id), [M.child], 'still one child for the same link');
});

// =============================== retention ===============================

const Cstate = {};

test('legal hold; takedownctl purge --dry-run lists and changes nothing; purge destroys expired cases; raw scan', async () => {
  // Cases are closed three days "ago" so that with --retention-days 2 they expired yesterday by
  // the real clock, which is the one takedownctl uses.
  await shift(C.srv, -3 * DAY);
  const cw = await signIn(C, 'cw1');
  const P = await newCase(C, [online('/page/purge-me'), offline()]);
  const H = await newCase(C, [online('/page/hold-me')]);
  const O = await newCase(C, [online('/page/still-open')]);
  for (const x of [P, H]) for (const tgt of (await view(cw, x.caseId)).targets) await decline(cw, tgt.id);
  const closedAt = await serverNow(C.srv);
  const pv = await view(cw, P.caseId);
  near(pv.purge_after, closedAt + RETENTION_DAYS_C * DAY, 120, '--retention-days sets the date');
  assert.ok(pv.purge_after < Date.now() / 1000, 'expired by the real clock');
  assert.equal((await view(cw, O.caseId)).purge_after, null, 'an open case has no purge date');

  // Legal hold: workers only, a boolean, an existing case.
  assert.equal((await as(C.cw1, 'POST', `/api/v1/staff/cases/${H.caseId}/hold`, { hold: 'yes' })).status, 422);
  assert.equal((await as(C.cw1, 'POST', '/api/v1/staff/cases/00000000000000000000/hold', { hold: true })).status, 404);
  const aud = await signIn(C, 'aud1');
  assert.equal((await as(aud, 'POST', `/api/v1/staff/cases/${H.caseId}/hold`, { hold: true })).status, 403);
  const held = await as(cw, 'POST', `/api/v1/staff/cases/${H.caseId}/hold`, { hold: true });
  assert.equal(held.status, 200, held.text);
  assert.deepEqual(held.body, { hold: true });
  const hv = await view(cw, H.caseId);
  assert.equal(hv.legal_hold, true);
  assert.ok(hv.timeline.some((e) => e.kind === 'case.legal_hold'));

  // The hold box on the case page does the same.
  const page = (form) => call(C.srv.base, 'POST', `/staff/cases/${O.caseId}/hold`, { cookie: cw.cookie, xff: cw.xff, form });
  assert.equal((await page({ hold: 'on' })).status, 403, 'no csrf');
  const on = await page({ csrf: cw.csrf, hold: 'on' });
  assert.equal(on.status, 303, on.text);
  assert.equal((await view(cw, O.caseId)).legal_hold, true);
  assert.equal((await page({ csrf: cw.csrf })).status, 303);
  assert.equal((await view(cw, O.caseId)).legal_hold, false, 'an unticked box lifts it');

  // Dry run: lists the expired, unheld case only, and changes nothing.
  const dry = ctl(['purge', '--dry-run', '--data-dir', C.dir]);
  assert.equal(dry.status, 0, dry.stderr);
  const dryLines = dry.stdout.trim().split('\n');
  assert.deepEqual(dryLines, [
    `would purge case ${P.caseId} (1 of 1)`,
    'would purge 1 case(s) past their purge date (dry run: nothing was changed)',
  ]);
  for (const x of [P, H, O]) {
    assert.equal(caseRows(C.dir, x.caseId), 1, 'the dry run kept every case');
    assert.equal((await call(C.srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: x.receipt } })).status, 200);
  }
  assert.equal((await as(cw, 'GET', `/api/v1/staff/cases/${P.caseId}`)).status, 200);

  // What the purge must destroy, and what the hold must keep.
  const pBytes = ciphertexts(C.dir, P.caseId);
  const hBytes = ciphertexts(C.dir, H.caseId);
  // SQLite overwrites what a purge deletes (secure_delete) and clears its log; PostgreSQL keeps
  // old row versions until VACUUM reuses their space (docs/operations.md), so the raw bytes are
  // checked on SQLite only.
  const before = ON_PG ? null : dbBytes(C.dir);
  if (!ON_PG) assert.ok(pBytes.every((b) => before.includes(b)), 'the scan sees the case before the purge');

  const run = ctl(['purge', '--data-dir', C.dir]);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split('\n'), [
    `purging case ${P.caseId} (1 of 1)`,
    'purged 1 case(s) past their purge date',
  ]);
  // Gone for the victim, the staff and the database.
  assert.equal((await call(C.srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: P.receipt } })).status, 401);
  assert.equal((await as(P.victim, 'GET', '/api/v1/my/case')).status, 401, 'the victim session went with the case');
  assert.equal((await as(cw, 'GET', `/api/v1/staff/cases/${P.caseId}`)).status, 404);
  assert.equal(caseRows(C.dir, P.caseId), 0);
  assert.equal(Number(sql(C.dir, `SELECT count(*) FROM targets WHERE case_id='${P.caseId}'`)), 0);
  if (!ON_PG) {
    const after = dbBytes(C.dir);
    pBytes.forEach((b, i) => assert.ok(!after.includes(b), `purged ciphertext ${i} (${b.length} bytes) is still in the files`));
    // Positive control: the held case is kept, bytes and all; the open case too.
    hBytes.forEach((b, i) => assert.ok(after.includes(b), `held ciphertext ${i} is kept`));
  }
  assert.equal((await as(cw, 'GET', `/api/v1/staff/cases/${H.caseId}`)).status, 200);
  assert.equal((await as(cw, 'GET', `/api/v1/staff/cases/${O.caseId}`)).status, 200);
  assert.equal((await myCase(await receipt(C, H.receipt))).state, 'closed');
  const again = ctl(['purge', '--data-dir', C.dir]);
  assert.equal(again.status, 0);
  assert.equal(again.stdout.trim(), 'purged 0 case(s) past their purge date', 'a second run finds nothing');
  Object.assign(Cstate, { H, O, hBytes });
});

test('the daily job in the service purges too: once a day, past the purge date, once the hold is lifted', async () => {
  const { H, O, hBytes } = Cstate;
  assert.ok(H, 'the previous test ran');
  let cw = await signIn(C, 'cw1');
  const lifted = await as(cw, 'POST', `/api/v1/staff/cases/${H.caseId}/hold`, { hold: false });
  assert.equal(lifted.status, 200);
  assert.deepEqual(lifted.body, { hold: false });
  const hv = await view(cw, H.caseId);
  assert.equal(hv.legal_hold, false);
  assert.ok(hv.timeline.some((e) => e.kind === 'case.legal_hold_lifted'));
  const purgeAt = hv.purge_after;

  // 1.5 days after closing: the daily job runs, nothing is due yet.
  let now = await shift(C.srv, 1.5 * DAY);
  assert.ok(now < purgeAt);
  await tick(C.srv);
  cw = await signIn(C, 'cw1');
  assert.equal((await as(cw, 'GET', `/api/v1/staff/cases/${H.caseId}`)).status, 200);
  // Past the purge date, but the daily job ran only 12 hours ago: it waits.
  now = await shift(C.srv, 0.5 * DAY + 120);
  assert.ok(now > purgeAt);
  await tick(C.srv);
  assert.equal(caseRows(C.dir, H.caseId), 1, 'not twice in one day');
  // A day after the last run: purged.
  await shift(C.srv, DAY);
  await tick(C.srv);
  cw = await signIn(C, 'cw1');
  assert.equal((await as(cw, 'GET', `/api/v1/staff/cases/${H.caseId}`)).status, 404);
  assert.equal((await call(C.srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: H.receipt } })).status, 401);
  assert.equal(caseRows(C.dir, H.caseId), 0);
  // The open case stays.
  assert.equal((await as(cw, 'GET', `/api/v1/staff/cases/${O.caseId}`)).status, 200);
  if (!ON_PG) { // as above: the raw bytes on SQLite only
    const after = dbBytes(C.dir);
    hBytes.forEach((b, i) => assert.ok(!after.includes(b), `purged ciphertext ${i} of the once-held case is still in the files`));
    assert.ok(ciphertexts(C.dir, O.caseId).every((b) => after.includes(b)), 'control: the open case is still readable in the files');
  }
});

test('--retention-days also sets how long a withdrawn case is kept', async () => {
  const w = await newCase(C, [online('/page/withdraw-c')]);
  const out = await withdraw(w.victim);
  assert.equal(out.state, 'withdrawn');
  near(out.purge_after, out.withdrawn_at + RETENTION_DAYS_C * DAY, 5, `withdrawn: ${RETENTION_DAYS_C} days from the withdrawal`);
});


test('purge while a reader holds the database: takedownctl purge says the log is not cleared yet; the next tick clears it', sqliteOnly('the log a reader keeps is SQLite\'s write-ahead log'), async () => {
  // Signed in from an address of its own before the clock moves back (the sign-in limiter counts
  // per address), then a case closed three days "ago": expired by the real clock under
  // --retention-days 2.
  const xff = addr();
  const s = await call(C.srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'cw1', password: C.pw.cw1 }, xff });
  assert.equal(s.status, 200, s.text);
  const cw = { base: C.srv.base, cookie: s.cookies.td_session, csrf: s.body.csrf, xff };
  await shift(C.srv, -3 * DAY);
  const P = await newCase(C, [online('/page/purge-with-reader')]);
  for (const tgt of (await view(cw, P.caseId)).targets) await decline(cw, tgt.id);
  await shift(C.srv, 3 * DAY);
  const pBytes = ciphertexts(C.dir, P.caseId);
  const release = await holdReader(C.dir);
  let released = false;
  try {
    const run = ctl(['purge', '--data-dir', C.dir]);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    // (Other expired cases may go with it when an earlier test stopped half-way.)
    assert.ok(lines.some((l) => l.startsWith(`purging case ${P.caseId} (`)), run.stdout);
    assert.match(lines.at(-2), /^purged \d+ case\(s\) past their purge date$/);
    assert.match(lines.at(-1), /^the database log could not be cleared yet: another process holds the database open/);
    assert.equal(caseRows(C.dir, P.caseId), 0, 'the case itself is purged');
    await release();
    released = true;
    // The service's next tick clears what the purge could not.
    await tick(C.srv);
    assert.match(C.srv.log(), /the database log is clear of destroyed cases now/);
    const after = dbBytes(C.dir);
    pBytes.forEach((b, i) => assert.ok(!after.includes(b), `purged ciphertext ${i} is still on disk after the tick`));
    assert.equal(sql(C.dir, "SELECT value FROM meta WHERE key='wal_clear_pending'"), '0');
  } finally {
    if (!released) await release();
  }
  // Without a reader the purge says nothing more.
  const again = ctl(['purge', '--data-dir', C.dir]);
  assert.equal(again.stdout.trim(), 'purged 0 case(s) past their purge date');
});
