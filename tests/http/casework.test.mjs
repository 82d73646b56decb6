// The caseworkers' side over real HTTP against the real binaries: a full journey from report to
// "removed" as the victim sees it, the transition table (409 with from/to), the route's elements
// (422 with the missing names), notices and consent, clocks (72 h, a platform's own route and
// hours, a 0-hour route clock that makes a target overdue at once), queues with risk first,
// filters and cursor pages, notes, messages, assignment, screenshots served by the server,
// matches across cases, incidents, the registry, the audit log, an authorization matrix of every
// staff route, and `takedownctl audit verify` against an edited audit row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, ctl, tempDir, REPO, I18N, call as callAs, htmlEscape, sql, ON_PG } from './lib.mjs';

const SERVER_ARGS = ['--debug-routes', '--trust-proxy'];
const HOUR = 3600;
const t = (key, lang = 'zh-CN') => {
  const v = I18N[lang][key];
  assert.ok(typeof v === 'string', `i18n key ${key} exists in ${lang}`);
  return v;
};
const nowS = () => Math.floor(Date.now() / 1000);
const mark = (tag) => `${tag}-${randomBytes(5).toString('hex')}`;

// ---- addresses: one per victim so the per-address submission limit (10) never bites ----

let addrN = 0;
const addr = () => {
  addrN++;
  return `10.${60 + (addrN >> 16)}.${(addrN >> 8) & 255}.${addrN & 255}`;
};
const STAFF_XFF = '10.59.0.1';

// ---- the server and the people ----

let srv;
let dir;
const pw = {};
const staff = {}; // login -> {cookie, csrf}

const call = (method, p, opts = {}) => callAs(srv.base, method, p, { ...opts, xff: opts.xff || STAFF_XFF });

// A call as a signed-in staff member (login) or a victim ({cookie, csrf, xff}); the csrf token
// goes with every unsafe method.
function as(who, method, p, json) {
  const s = typeof who === 'string' ? staff[who] : who;
  const unsafe = !['GET', 'HEAD'].includes(method);
  return call(method, p, { cookie: s.cookie, csrf: unsafe ? s.csrf : undefined, xff: s.xff, json: unsafe ? (json ?? {}) : undefined });
}

async function signIn(login, password = pw[login]) {
  const r = await call('POST', '/api/v1/staff/session', { json: { login, password } });
  assert.equal(r.status, 200, `${login} signs in: ${r.text}`);
  return { cookie: r.cookies.td_session, csrf: r.body.csrf, xff: STAFF_XFF };
}

before(async () => {
  dir = tempDir('takedown-casework-');
  pw.admin = 'Admin-' + randomBytes(8).toString('hex');
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]);
  assert.equal(init.status, 0, init.stderr);
  for (const [login, role] of [['cw1', 'caseworker'], ['cw2', 'caseworker'], ['aud1', 'auditor']]) {
    pw[login] = `${login}-` + randomBytes(8).toString('hex');
    const r = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', role, login], [pw.admin, pw[login], pw[login]]);
    assert.equal(r.status, 0, r.stderr);
  }
  srv = await startServer({ dataDir: dir, args: SERVER_ARGS });
  for (const login of ['admin', 'cw1', 'cw2', 'aud1']) staff[login] = await signIn(login);
});

after(async () => {
  if (srv) await srv.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- reports ----

let seq = 0;
// A report in the DESIGN section 7 shape with a unique link and a unique phone number.
function report(o = {}) {
  seq++;
  const n = String(seq).padStart(4, '0');
  const phone = o.phone || `+86 139-${n}-${String(5000 + seq).padStart(4, '0')}`;
  const contact = o.email
    ? { channel: 'email', value: o.email, may_leave_message: false }
    : { channel: 'phone', value: phone, safe_hours: '晚上', may_leave_message: false };
  const url = o.url || urlFor(o.platform || 'douyin', seq);
  const r = {
    language: 'zh-CN',
    requester: { role: 'self', name: o.name || '王小明', contact },
    incident: { type: 'crime', date: '2024-05-01', place: '上海' },
    description: o.description || mark('描述'),
    consent: { share_identity_with_platform: o.consent ?? true, preservation: 'fingerprint' },
    good_faith: true,
    signature: o.signature || '王小明',
    targets: [{ kind: 'online', url, platform: o.platform || 'douyin' }],
  };
  if (o.offline) r.targets.push({ kind: 'offline', holder: o.holder || mark('便利店老板'), where: '南京路' });
  if (o.fingerprint) r.fingerprints = [{ alg: 'sha256', value: o.fingerprint }];
  if (o.risk) r.risk = { [o.risk]: true };
  return { report: r, url, phone };
}

function urlFor(platform, n) {
  const id = String(7300000000000000000n + BigInt(n) * 7919n + BigInt(Date.now() % 1000000) * 100000n);
  switch (platform) {
    case 'douyin': return `https://www.douyin.com/video/${id}`;
    case 'kuaishou': return `https://www.kuaishou.com/short-video/3x${id.slice(-10)}`;
    case 'weibo': return `https://weibo.com/1${id.slice(-9)}/Nx${id.slice(-6)}`;
    case 'tiktok': return `https://www.tiktok.com/@someone/video/${id}`;
    default: throw new Error('no url for ' + platform);
  }
}

const fp = () => randomBytes(32).toString('hex');

// Files a report; with {session: true} also signs in with its receipt (one more Argon2id run).
async function newCase(o = {}, { session = false } = {}) {
  const { report: rep, url, phone } = report(o);
  const xff = addr();
  const r = await call('POST', '/api/v1/cases', { json: rep, xff });
  assert.equal(r.status, 201, r.text);
  const out = { caseId: r.body.case, receipt: r.body.receipt, url, phone, report: rep, xff };
  if (session) {
    const s = await call('POST', '/api/v1/receipt/session', { json: { receipt: r.body.receipt }, xff });
    assert.equal(s.status, 200, s.text);
    out.cookie = s.cookies.td_session;
    out.csrf = s.body.csrf;
  }
  return out;
}

async function view(caseId, who = 'cw1') {
  const r = await as(who, 'GET', `/api/v1/staff/cases/${caseId}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}
const targetOf = async (caseId, i = 0) => (await view(caseId)).targets[i];

function move(tid, to, fields = {}, who = 'cw1') {
  return as(who, 'POST', `/api/v1/staff/targets/${tid}/transition`, { to, ...fields });
}
async function moveOk(tid, to, fields = {}, who = 'cw1') {
  const r = await move(tid, to, fields, who);
  assert.equal(r.status, 200, `-> ${to}: ${r.text}`);
  assert.deepEqual(r.body, { target: tid, state: to });
  return r;
}
async function moveAll(tid, path, fields = {}) {
  for (const to of path) await moveOk(tid, to, to === 'notice_sent' ? fields : {});
}

async function my(victim) {
  const r = await call('GET', '/api/v1/my/case', { cookie: victim.cookie, xff: victim.xff });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function queue(who, query) {
  const r = await as(who, 'GET', `/api/v1/staff/cases?${query}`);
  assert.equal(r.status, 200, `${query}: ${r.text}`);
  return r.body;
}
const ids = (q) => q.cases.map((c) => c.case);
// Every case of a query, page by page; also returns the pages seen.
async function allPages(who, query, limit) {
  const out = [];
  let cursor = null;
  let pages = 0;
  for (;;) {
    const q = await queue(who, `${query}&limit=${limit}${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    pages++;
    assert.ok(q.cases.length <= limit, `at most ${limit} rows a page`);
    out.push(...q.cases);
    if (q.next === null) break;
    assert.equal(typeof q.next, 'string');
    assert.equal(q.cases.length, limit, 'a cursor only after a full page');
    cursor = q.next;
    assert.ok(pages < 500, 'paging ends');
  }
  return { rows: out, pages };
}

const transitions = (v, tid) => v.timeline.filter((e) => e.kind === 'target.transition' && e.target === tid).map((e) => [e.from, e.to]);

async function auditEntries(who = 'aud1') {
  const r = await as(who, 'GET', '/api/v1/audit?limit=500');
  assert.equal(r.status, 200, r.text);
  return r.body.entries;
}

// The phone in every spelling a notice might carry it.
function phoneForms(phone) {
  const digits = phone.replace(/\D/g, '');
  return [phone, digits, digits.slice(2), phone.replace(/^\+86 /, '')];
}

// ---- the report form (multipart with a screenshot), as a browser sends it ----

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = () => Buffer.concat([PNG_SIG, Buffer.from('\x00\x00\x00\x0dIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00', 'latin1'), randomBytes(300)]);

async function reportFormWithPng(bytes) {
  const xff = addr();
  const g = await call('GET', '/report', { xff });
  assert.equal(g.status, 200);
  const csrf = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(g.text)[1];
  seq++;
  const fields = [
    ['csrf', csrf], ['language', 'zh-CN'], ['requester.role', 'self'], ['requester.name', '李华'],
    ['incident.type', 'intimate'], ['incident.date', '2024-03-08'], ['incident.place', '杭州'],
    ['incident.police_case_no', ''], ['description', mark('表单描述')],
    ['targets[0].kind', 'online'], ['targets[0].url', urlFor('douyin', seq)], ['targets[0].note', ''],
    ['requester.contact.channel', 'email'], ['requester.contact.value', `lihua${seq}@example.cn`],
    ['requester.contact.safe_hours', ''], ['consent.share_identity_with_platform', 'no'],
    ['consent.preservation', 'none'], ['fingerprints[0].value', ''], ['good_faith', 'on'], ['signature', '李华'],
  ];
  const fd = new FormData();
  for (const [k, v] of fields) fd.append(k, v);
  fd.append('screenshots', new Blob([bytes], { type: 'image/png' }), 'shot.png');
  const r = await call('POST', '/report', { xff, jar: 'td_csrf=' + g.cookies.td_csrf, multipart: fd });
  assert.equal(r.status, 303, r.text.slice(0, 500));
  assert.ok(r.cookies.td_session, 'the report signs the victim in');
  const victim = { cookie: r.cookies.td_session, xff };
  // The receipt page (shown once) carries the session's form token.
  const page = await call('GET', '/report/receipt', { xff, cookie: victim.cookie, jar: 'td_receipt=' + r.cookies.td_receipt });
  victim.csrf = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(page.text)?.[1];
  const m = await my(victim);
  assert.equal(m.screenshots, 1);
  victim.caseId = m.case;
  victim.targetId = m.targets[0].id;
  return victim;
}

// ---- 1 ----

test('journey: a victim reports, a caseworker triages, sends a notice, records the answer, the victim sees "removed"', async () => {
  const fpv = fp();
  const v = await newCase({ name: '王小明', consent: true, fingerprint: fpv }, { session: true });

  // The new queue lists it: no deadline yet, nothing waiting.
  const q = await queue('cw1', 'queue=new&limit=100');
  const row = q.cases.find((c) => c.case === v.caseId);
  assert.ok(row, 'the new case is in the new queue');
  assert.equal(row.urgent, false);
  assert.equal(row.overdue, false);
  assert.equal(row.next_due, undefined);
  assert.deepEqual(row.states, { reported: 1 });
  assert.deepEqual(row.platforms, ['douyin']);
  assert.equal(row.assignee, null);

  // The case: the request decrypted, the target with its state, platform and (no) route.
  const r0 = await as('cw1', 'GET', `/api/v1/staff/cases/${v.caseId}`);
  assert.equal(r0.status, 200);
  assert.equal(r0.headers.get('cache-control'), 'no-store', 'case content is never cached');
  const v0 = r0.body;
  assert.equal(v0.case, v.caseId);
  assert.equal(v0.request.requester.name, '王小明');
  assert.equal(v0.request.requester.contact.value, v.phone);
  assert.equal(v0.request.description, v.report.description);
  assert.equal(v0.request.consent.share_identity_with_platform, true);
  assert.deepEqual(v0.fingerprints, [{ alg: 'sha256', value: fpv }]);
  assert.equal(v0.targets.length, 1);
  const tgt = v0.targets[0];
  assert.equal(tgt.kind, 'online');
  assert.equal(tgt.platform, 'douyin');
  assert.equal(tgt.state, 'reported');
  assert.equal(tgt.route, null);
  assert.equal(tgt.body.canonical, v.url);
  assert.deepEqual(tgt.next, ['in_review']);
  assert.equal(tgt.due_at, undefined);
  const tid = tgt.id;
  assert.equal((await my(v)).targets[0].state, 'reported');

  // Triage: every step is visible to the victim at once.
  await moveOk(tid, 'in_review');
  assert.equal((await my(v)).targets[0].state, 'in_review');
  await moveOk(tid, 'ready');
  assert.equal((await my(v)).targets[0].state, 'ready');
  const ready = await targetOf(v.caseId);
  assert.equal(ready.route, 'cn_complaint', 'ready takes the platform\'s default route');
  assert.deepEqual(ready.next, ['notice_sent']);

  // The notice preview: the canonical link, the reason, and the name (consent was given).
  const reason = mark('未经同意拍摄并传播');
  const pre = await as('cw1', 'GET', `/api/v1/staff/targets/${tid}/notice?reason=${encodeURIComponent(reason)}`);
  assert.equal(pre.status, 200, pre.text);
  assert.equal(pre.body.route, 'cn_complaint');
  assert.equal(pre.body.language, 'zh-CN');
  assert.deepEqual(pre.body.missing, []);
  assert.deepEqual(pre.body.sent, []);
  assert.ok(pre.body.text.includes(v.url), 'the notice names the canonical link');
  assert.ok(pre.body.text.includes(reason), 'the notice carries the reason');
  assert.ok(pre.body.text.includes('王小明'), 'the name, since the requester consented');
  assert.ok(pre.body.text.includes('SHA-256'), 'the fingerprint stands as preliminary evidence');
  for (const p of phoneForms(v.phone)) assert.ok(!pre.body.text.includes(p), 'the route does not need the phone');
  const preEn = await as('cw1', 'GET', `/api/v1/staff/targets/${tid}/notice?lang=en&reason=${encodeURIComponent(reason)}`);
  assert.equal(preEn.status, 200);
  assert.match(preEn.body.text, /Reason for removal/);
  assert.ok(preEn.body.text.includes(v.url) && preEn.body.text.includes(reason));
  assert.equal((await as('cw1', 'GET', `/api/v1/staff/targets/${tid}/notice?lang=fr`)).status, 422);

  // Sent: stored as sent, with ticket and channel; the clock is the route's 72 h.
  const before = nowS();
  await moveOk(tid, 'notice_sent', { reason, ticket: 'DY-2024-0001', channel: '抖音侵权举报中心' });
  const after = nowS();
  const v1 = await view(v.caseId);
  const sent = v1.targets[0];
  assert.equal(sent.state, 'notice_sent');
  assert.equal(sent.route, 'cn_complaint');
  assert.equal(sent.notices.length, 1);
  const n = sent.notices[0];
  assert.ok(n.sent_at >= before - 1 && n.sent_at <= after + 1, `sent_at ${n.sent_at} is now`);
  assert.equal(n.route, 'cn_complaint');
  assert.equal(n.ticket, 'DY-2024-0001');
  assert.equal(n.channel, '抖音侵权举报中心');
  assert.equal(n.text, pre.body.text, 'the notice as previewed');
  assert.ok(n.text.includes(v.url) && n.text.includes(reason));
  assert.equal(sent.due_at, n.sent_at + 72 * HOUR, 'due = sent + 72 h');
  assert.ok(Math.abs(sent.due_at - (before + 72 * HOUR)) <= 5, 'within a few seconds of now + 72 h');
  assert.equal(sent.overdue, false);
  assert.equal(v1.next_due, sent.due_at);
  const again = await as('cw1', 'GET', `/api/v1/staff/targets/${tid}/notice`);
  assert.equal(again.body.sent.length, 1);
  assert.equal(again.body.sent[0].text, n.text, 'the preview shows the notice as sent');

  // The awaiting queue: the next deadline and what waits on it.
  const aw = (await queue('cw1', 'queue=awaiting&limit=100')).cases.find((c) => c.case === v.caseId);
  assert.ok(aw, 'awaiting the platform');
  assert.equal(aw.next_due, sent.due_at);
  assert.equal(aw.waiting_on, 'notice_sent');
  assert.equal(aw.overdue, false);
  const mine = await my(v);
  assert.equal(mine.targets[0].state, 'notice_sent');
  assert.equal(mine.targets[0].due_at, sent.due_at, 'the victim sees the deadline');
  assert.equal(mine.next_due, sent.due_at);

  // The platform's answer.
  await moveOk(tid, 'acknowledged', { ticket: 'DY-2024-0001' });
  assert.equal((await my(v)).targets[0].state, 'acknowledged');
  assert.equal((await targetOf(v.caseId)).due_at, sent.due_at, 'an acknowledgement keeps the clock');
  await moveOk(tid, 'removed');
  const gone = await targetOf(v.caseId);
  assert.equal(gone.state, 'removed');
  assert.equal(gone.due_at, undefined, 'a decision stops the clock');
  const mv = await my(v);
  assert.equal(mv.targets[0].state, 'removed');
  assert.equal(mv.targets[0].state_key, 'victim.state.removed');
  const page = await call('GET', '/my', { cookie: v.cookie, xff: v.xff });
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(t('victim.state.removed')), 'the status page says removed in zh-CN');
  assert.ok(!(await queue('cw1', 'queue=awaiting&limit=100')).cases.some((c) => c.case === v.caseId), 'no longer awaiting');

  // Every change wrote a timeline event and an audit entry.
  const v2 = await view(v.caseId);
  const path = [['reported', 'in_review'], ['in_review', 'ready'], ['ready', 'notice_sent'], ['notice_sent', 'acknowledged'], ['acknowledged', 'removed']];
  assert.deepEqual(transitions(v2, tid), path);
  for (const e of v2.timeline.filter((x) => x.kind === 'target.transition')) assert.equal(e.actor, 'staff:cw1');
  const sentEvent = v2.timeline.find((e) => e.kind === 'target.transition' && e.to === 'notice_sent');
  assert.equal(sentEvent.detail.reason, reason);
  assert.equal(sentEvent.detail.notice, n.id);
  const audit = (await auditEntries()).filter((e) => e.action === 'target.transition' && e.subject === v.caseId);
  assert.deepEqual(audit.map((e) => e.detail).reverse(), path.map(([a, b]) => `target ${tid} ${a} -> ${b}`));
  for (const e of audit) assert.equal(e.actor, 'staff:cw1');
  assert.equal((await as('cw1', 'GET', '/api/v1/audit')).status, 403, 'the audit log is not for caseworkers');

  // The case page shows the same.
  const cp = await as('cw1', 'GET', `/staff/cases/${v.caseId}`);
  assert.equal(cp.status, 200);
  assert.equal(cp.headers.get('cache-control'), 'no-store');
  assert.ok(cp.text.includes(htmlEscape(v.url)));
  assert.ok(cp.text.includes(htmlEscape(v.report.description)));
  assert.ok(cp.text.includes('removed'));
});

// ---- 2 ----

test('forbidden transitions: 409 with from/to; unknown states and fields 422; nothing changes', async () => {
  const c = await newCase({ offline: true });
  const v0 = await view(c.caseId);
  const on = v0.targets.find((x) => x.kind === 'online').id;
  const off = v0.targets.find((x) => x.kind === 'offline').id;

  const refused = async (tid, to, from, fields = {}) => {
    const r = await move(tid, to, fields);
    assert.equal(r.status, 409, `${from} -> ${to}: ${r.text}`);
    assert.equal(r.body.error.code, 'conflict');
    assert.equal(r.body.error.from, from);
    assert.equal(r.body.error.to, to);
  };
  await refused(on, 'removed', 'reported');
  await refused(on, 'notice_sent', 'reported', { reason: 'x', evidence: 'y', representative: 'z' });
  await refused(on, 'ready', 'reported');
  await refused(on, 'withdrawn', 'reported'); // only the victim withdraws
  await moveOk(on, 'in_review');
  await refused(on, 'notice_sent', 'in_review', { reason: 'x', evidence: 'y', representative: 'z' });
  await refused(on, 'acknowledged', 'in_review');
  await refused(on, 'visit_planned', 'in_review'); // an online copy is not visited
  await refused(on, 'reported', 'in_review');
  await moveOk(off, 'in_review');
  await refused(off, 'ready', 'in_review'); // an offline copy gets a visit, not a notice
  await refused(off, 'notice_sent', 'in_review', { reason: 'x', evidence: 'y', representative: 'z' });

  const bad = async (tid, body, field, status = 422) => {
    const r = await as('cw1', 'POST', `/api/v1/staff/targets/${tid}/transition`, body);
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
    if (field) assert.equal(r.body.error.field, field);
  };
  await bad(on, { to: 'vanished' }, 'to');
  await bad(on, {}, 'to');
  await bad(on, { to: 'ready', colour: 'red' }, 'colour');
  await bad(on, { to: 'ready', reason: 5 }, 'reason');
  await bad(on, { to: 'declined' }, 'reason'); // declining needs a reason the victim will read
  await bad(999999, { to: 'in_review' }, null, 404);
  assert.equal((await as('cw1', 'POST', '/api/v1/staff/targets/abc/transition', { to: 'in_review' })).status, 404);

  // The page form says the same with a 409 page.
  const pg = await call('POST', `/staff/targets/${on}/transition`, {
    cookie: staff.cw1.cookie, form: { csrf: staff.cw1.csrf, case: c.caseId, to: 'removed' },
  });
  assert.equal(pg.status, 409);
  assert.match(pg.headers.get('content-type'), /^text\/html/);

  const v1 = await view(c.caseId);
  assert.equal(v1.targets.find((x) => x.id === on).state, 'in_review');
  assert.equal(v1.targets.find((x) => x.id === off).state, 'in_review');
  assert.deepEqual(transitions(v1, on), [['reported', 'in_review']], 'refused changes leave no event');
  assert.deepEqual(transitions(v1, off), [['reported', 'in_review']]);
  const audit = (await auditEntries()).filter((e) => e.action === 'target.transition' && e.subject === c.caseId);
  assert.equal(audit.length, 2, 'and no audit entry');

  // A terminal state goes nowhere.
  await moveOk(on, 'declined', { reason: '这不是您本人的视频' });
  await refused(on, 'in_review', 'declined');
  assert.deepEqual((await targetOf(c.caseId, v1.targets.findIndex((x) => x.id === on))).next, []);
});

// ---- 3 ----

test('missing elements: 422 naming them; fields fix it; the notice carries no more personal data than the route needs', async () => {
  const name = '张三丰';
  const c = await newCase({ name, consent: false });
  const tid = (await targetOf(c.caseId)).id;
  await moveAll(tid, ['in_review', 'ready']);

  const none = await move(tid, 'notice_sent');
  assert.equal(none.status, 422, none.text);
  assert.equal(none.body.error.code, 'missing_elements');
  assert.deepEqual(none.body.error.missing, ['reason', 'identity', 'evidence']);
  assert.equal(none.body.error.field, 'reason');
  const reason = mark('侵犯隐私');
  const some = await move(tid, 'notice_sent', { reason });
  assert.equal(some.status, 422);
  assert.deepEqual(some.body.error.missing, ['identity', 'evidence'], 'no consent: no identity; no screenshot or fingerprint: no evidence');
  const pre = await as('cw1', 'GET', `/api/v1/staff/targets/${tid}/notice?reason=${encodeURIComponent(reason)}`);
  assert.equal(pre.status, 200);
  assert.equal(pre.body.text, null);
  assert.deepEqual(pre.body.missing, ['identity', 'evidence']);
  assert.equal((await targetOf(c.caseId)).state, 'ready', 'still ready');

  const noPhone = (text, what) => {
    assert.ok(!text.includes(name), `${what}: the requester's name without consent`);
    for (const p of phoneForms(c.phone)) assert.ok(!text.includes(p), `${what}: the phone without consent (${p})`);
  };
  // Other routes: never the name or the phone without consent.
  const us = await as('cw1', 'GET', `/api/v1/staff/targets/${tid}/notice?route=us_take_it_down&signature=S`);
  assert.deepEqual(us.body.missing, ['contact'], 'the phone is not offered as the contact');
  const eu = await as('cw1', 'GET', `/api/v1/staff/targets/${tid}/notice?route=eu_dsa&reason=R`);
  assert.deepEqual(eu.body.missing, ['name', 'email']);
  const au = await as('cw1', 'GET', `/api/v1/staff/targets/${tid}/notice?route=au_esafety&reason=${encodeURIComponent(reason)}`);
  assert.equal(au.body.route, 'au_esafety');
  assert.deepEqual(au.body.missing, []);
  assert.ok(au.body.text.includes(c.url) && au.body.text.includes(reason));
  noPhone(au.body.text, 'au_esafety');

  const evidence = mark('截图已由工作人员保存');
  const rep = mark('代理律师 李四');
  const full = await as('cw1', 'GET', `/api/v1/staff/targets/${tid}/notice?reason=${encodeURIComponent(reason)}&evidence=${encodeURIComponent(evidence)}&representative=${encodeURIComponent(rep)}`);
  assert.deepEqual(full.body.missing, []);
  for (const s of [c.url, reason, evidence, rep]) assert.ok(full.body.text.includes(s), `the notice has ${s}`);
  noPhone(full.body.text, 'cn_complaint preview');

  await moveOk(tid, 'notice_sent', { reason, evidence, representative: rep });
  const sent = await targetOf(c.caseId);
  assert.equal(sent.state, 'notice_sent');
  assert.equal(sent.notices[0].text, full.body.text, 'stored as sent');
  noPhone(sent.notices[0].text, 'the notice as sent');

  // With consent the name is there; cn_complaint still has no use for the phone.
  const d = await newCase({ name: '赵六', consent: true, fingerprint: fp() });
  const dt = (await targetOf(d.caseId)).id;
  await moveAll(dt, ['in_review', 'ready']);
  const dp = await as('cw1', 'GET', `/api/v1/staff/targets/${dt}/notice?reason=R`);
  assert.deepEqual(dp.body.missing, []);
  assert.ok(dp.body.text.includes('赵六'));
  for (const p of phoneForms(d.phone)) assert.ok(!dp.body.text.includes(p));
});

// ---- 4 ----

test('registry: seeded platforms and routes; an admin edits a platform (a caseworker may not) and its notices follow', async () => {
  const reg = await as('cw1', 'GET', '/api/v1/registry');
  assert.equal(reg.status, 200);
  const routes = Object.fromEntries(reg.body.routes.map((r) => [r.id, r]));
  assert.deepEqual([routes.cn_complaint.clock_hours, routes.cn_complaint.elements], [72, 'url,reason,identity,evidence']);
  assert.deepEqual([routes.us_take_it_down.clock_hours, routes.us_take_it_down.elements], [48, 'url,signature,good_faith,contact']);
  assert.deepEqual([routes.eu_dsa.clock_hours, routes.eu_dsa.elements], [72, 'url,reason,name,email,good_faith']);
  assert.deepEqual([routes.au_esafety.clock_hours, routes.au_esafety.elements], [24, 'url,reason']);
  const plats = Object.fromEntries(reg.body.platforms.map((p) => [p.id, p]));
  for (const id of ['douyin', 'kuaishou', 'weibo', 'wechat', 'bilibili', 'xiaohongshu', 'baidu', 'other'])
    assert.equal(plats[id]?.route, 'cn_complaint', `${id} seeded on cn_complaint`);
  for (const id of ['youtube', 'tiktok', 'x', 'facebook', 'instagram']) assert.equal(plats[id]?.route, 'us_take_it_down', id);
  assert.equal(plats.telegram.route, 'eu_dsa');
  assert.equal(plats.offline.route, 'offline_visit');
  assert.equal(plats.weibo.clock_hours, null, 'no own clock: the route\'s');
  assert.ok(plats.weibo.channel.length > 0);
  assert.equal((await as('aud1', 'GET', '/api/v1/registry')).status, 200, 'every staff role reads the registry');
  assert.equal((await call('GET', '/api/v1/registry')).status, 401);

  const change = { route: 'eu_dsa', clock_hours: 5, channel: 'x' };
  const cw = await as('cw1', 'PUT', '/api/v1/admin/platforms/weibo', change);
  assert.equal(cw.status, 403);
  assert.equal(cw.body.error.code, 'forbidden');
  assert.deepEqual((await as('cw1', 'GET', '/api/v1/registry')).body, reg.body, 'the refused edit changed nothing');
  assert.equal((await as('admin', 'PUT', '/api/v1/admin/platforms/weibo', { route: 'no_such_route' })).body.error.field, 'route');
  assert.equal((await as('admin', 'PUT', '/api/v1/admin/platforms/weibo', { clock_hours: 'five' })).status, 422);
  const tooLong = await as('admin', 'PUT', '/api/v1/admin/platforms/weibo', { clock_hours: 9000 });
  assert.equal(tooLong.status, 422);
  assert.equal(tooLong.body.error.field, 'clock_hours');
  assert.equal((await as('admin', 'PUT', '/api/v1/admin/platforms/myspace', change)).status, 404);
  const ok = await as('admin', 'PUT', '/api/v1/admin/platforms/weibo', change);
  assert.equal(ok.status, 200, ok.text);
  const w = ok.body.platforms.find((p) => p.id === 'weibo');
  assert.deepEqual({ route: w.route, clock_hours: w.clock_hours, channel: w.channel }, change);
  assert.deepEqual((await as('cw1', 'GET', '/api/v1/registry')).body.platforms.find((p) => p.id === 'weibo'), w);
  assert.ok((await auditEntries()).some((e) => e.action === 'platform.update' && e.subject === 'weibo' && e.actor === 'staff:admin'));

  // A weibo copy now goes by eu_dsa with weibo's 5 hours; the name and email come from the case.
  const c = await newCase({ platform: 'weibo', consent: true, name: '孙七', email: `sun${seq}@example.cn` });
  const tgt = await targetOf(c.caseId);
  assert.equal(tgt.platform, 'weibo');
  await moveAll(tgt.id, ['in_review', 'ready']);
  assert.equal((await targetOf(c.caseId)).route, 'eu_dsa');
  const pre = await as('cw1', 'GET', `/api/v1/staff/targets/${tgt.id}/notice?lang=en`);
  assert.equal(pre.body.route, 'eu_dsa');
  assert.equal(pre.body.channel, 'x');
  assert.deepEqual(pre.body.missing, ['reason']);
  await moveOk(tgt.id, 'notice_sent', { reason: 'Non-consensual recording' });
  const s = await targetOf(c.caseId);
  assert.equal(s.route, 'eu_dsa');
  assert.equal(s.due_at, s.notices[0].sent_at + 5 * HOUR, 'due = sent + the platform\'s 5 h');
  assert.ok(s.notices[0].text.includes(c.report.requester.contact.value), 'eu_dsa carries the email (consent given)');
  assert.ok(s.notices[0].text.includes('孙七'));

  // A TikTok copy goes by us_take_it_down: 48 h.
  const tk = await newCase({ platform: 'tiktok', consent: true });
  const tt = (await targetOf(tk.caseId)).id;
  await moveAll(tt, ['in_review', 'ready', 'notice_sent']);
  const ts = await targetOf(tk.caseId);
  assert.equal(ts.route, 'us_take_it_down');
  assert.equal(ts.due_at, ts.notices[0].sent_at + 48 * HOUR);
});

// ---- 5 ----

test('clocks: a 0-hour route clock makes a new notice overdue at once; deadlines already set stay', async () => {
  // Sent under 72 h before the change.
  const early = await newCase({ fingerprint: fp() });
  const et = (await targetOf(early.caseId)).id;
  await moveAll(et, ['in_review', 'ready', 'notice_sent'], { reason: 'R' });
  const earlyDue = (await targetOf(early.caseId)).due_at;

  const cwTry = await as('cw1', 'PUT', '/api/v1/admin/routes/cn_complaint', { clock_hours: 0 });
  assert.equal(cwTry.status, 403);
  for (const [body, status] of [[{}, 422], [{ clock_hours: -1 }, 422], [{ clock_hours: 8761 }, 422], [{ clock_hours: '0' }, 422]]) {
    const r = await as('admin', 'PUT', '/api/v1/admin/routes/cn_complaint', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.body.error.field, 'clock_hours');
  }
  assert.equal((await as('admin', 'PUT', '/api/v1/admin/routes/no_such_route', { clock_hours: 1 })).status, 404);
  const set = await as('admin', 'PUT', '/api/v1/admin/routes/cn_complaint', { clock_hours: 0 });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.body.routes.find((r) => r.id === 'cn_complaint').clock_hours, 0);
  try {
    const v = await newCase({ fingerprint: fp() }, { session: true });
    const tid = (await targetOf(v.caseId)).id;
    await moveAll(tid, ['in_review', 'ready', 'notice_sent'], { reason: 'R' });
    const tg = await targetOf(v.caseId);
    assert.equal(tg.due_at, tg.notices[0].sent_at, 'due = sent + 0 h');
    assert.equal(tg.overdue, true, 'overdue at once');
    const od = await queue('cw1', 'queue=overdue&limit=100');
    const row = od.cases.find((c) => c.case === v.caseId);
    assert.ok(row, 'the overdue queue lists it');
    assert.equal(row.overdue, true);
    assert.equal(row.next_due, tg.due_at);
    assert.equal(row.waiting_on, 'notice_sent');
    assert.ok(!od.cases.some((c) => c.case === early.caseId), 'a deadline already set does not move');
    assert.equal((await targetOf(early.caseId)).due_at, earlyDue);
    const mv = await my(v);
    assert.equal(mv.targets[0].due_at, tg.due_at, 'the victim sees the deadline');
    assert.ok(mv.next_due <= nowS());
    // The queue page marks it.
    const page = await as('cw1', 'GET', '/staff?queue=overdue');
    assert.equal(page.status, 200);
    const tr = page.text.split('<tr').find((x) => x.includes(v.caseId));
    assert.ok(tr, 'a row for the case on the page');
    assert.match(tr, /^ class="[^"]*overdue-row/, 'marked overdue');

    // An answer stops the clock: no longer overdue.
    await moveOk(tid, 'rejected', { reason: '平台认为不违规' });
    assert.ok(!(await queue('cw1', 'queue=overdue&limit=100')).cases.some((c) => c.case === v.caseId));
    assert.equal((await targetOf(v.caseId)).overdue, undefined);
    await moveOk(tid, 'escalated');
    await moveOk(tid, 'notice_sent', { reason: 'R2' });
    assert.equal((await targetOf(v.caseId)).overdue, true, 'sent again: overdue again');
    assert.equal((await targetOf(v.caseId)).notices.length, 2, 'both notices are kept');
  } finally {
    const back = await as('admin', 'PUT', '/api/v1/admin/routes/cn_complaint', { clock_hours: 72 });
    assert.equal(back.status, 200);
  }
});

test('clocks: a withdrawn target is no longer overdue', async () => {
  await as('admin', 'PUT', '/api/v1/admin/routes/cn_complaint', { clock_hours: 0 });
  let v;
  try {
    v = await newCase({ fingerprint: fp() }, { session: true });
    const tid = (await targetOf(v.caseId)).id;
    await moveAll(tid, ['in_review', 'ready', 'notice_sent'], { reason: 'R' });
  } finally {
    await as('admin', 'PUT', '/api/v1/admin/routes/cn_complaint', { clock_hours: 72 });
  }
  assert.ok((await queue('cw1', 'queue=overdue&limit=100')).cases.some((c) => c.case === v.caseId));
  const w = await call('POST', '/api/v1/my/withdraw', { cookie: v.cookie, csrf: v.csrf, xff: v.xff, json: {} });
  assert.equal(w.status, 200, w.text);
  const tg = await targetOf(v.caseId);
  assert.equal(tg.state, 'withdrawn');
  assert.notEqual(tg.overdue, true, 'the case view does not call it overdue');
  const od = await queue('cw1', 'queue=overdue&limit=100');
  assert.ok(!od.cases.some((c) => c.case === v.caseId), 'the overdue queue no longer lists a withdrawn case');
});

// ---- 6 ----

test('queues: new, mine, overdue, awaiting, monitoring, all; risk first; filters', async () => {
  const k1 = await newCase({ platform: 'kuaishou' });
  const k2 = await newCase({ platform: 'kuaishou', risk: 'extortion' });
  const k3 = await newCase({ platform: 'kuaishou', fingerprint: fp() });
  const k4 = await newCase({ platform: 'kuaishou', fingerprint: fp() });
  const k5 = await newCase({ platform: 'kuaishou' });
  const k6 = await newCase({ platform: 'kuaishou', risk: 'self_harm' });
  const t3 = (await targetOf(k3.caseId)).id;
  const t4 = (await targetOf(k4.caseId)).id;
  const t5 = (await targetOf(k5.caseId)).id;
  await moveAll(t3, ['in_review', 'ready', 'notice_sent'], { reason: 'R' });
  await moveAll(t4, ['in_review', 'ready', 'notice_sent', 'removed', 'verified_gone', 'monitoring'], { reason: 'R' });
  await moveOk(t5, 'in_review');
  assert.equal((await as('cw1', 'POST', `/api/v1/staff/cases/${k5.caseId}/assign`, { login: 'cw2' })).status, 200);

  const K = 'platform=kuaishou&limit=100';
  const set = (q) => new Set(ids(q));
  const same = (q, list, msg) => assert.deepEqual(set(q), new Set(list.map((x) => x.caseId)), msg);

  const nq = await queue('cw1', `queue=new&${K}`);
  same(nq, [k1, k2, k6], 'new: a copy still reported');
  assert.deepEqual(new Set(ids(nq).slice(0, 2)), new Set([k2.caseId, k6.caseId]), 'risk-flagged cases first');
  for (const r of nq.cases) assert.equal(r.urgent, r.case === k2.caseId || r.case === k6.caseId);
  assert.equal(nq.cases.find((r) => r.case === k2.caseId).risk_flags, 4);
  assert.equal(nq.cases.find((r) => r.case === k6.caseId).risk_flags, 2);

  const aq = await queue('cw1', `queue=awaiting&${K}`);
  same(aq, [k3], 'awaiting: notice sent');
  const t3v = await targetOf(k3.caseId);
  assert.equal(aq.cases[0].next_due, t3v.due_at, 'the row shows the next deadline');
  assert.equal(aq.cases[0].waiting_on, 'notice_sent', 'and what is waiting');
  assert.deepEqual(aq.cases[0].states, { notice_sent: 1 });

  same(await queue('cw1', `queue=monitoring&${K}`), [k4], 'monitoring');
  same(await queue('cw2', `queue=mine&${K}`), [k5], 'mine: assigned to me');
  same(await queue('cw1', `queue=mine&${K}`), [], 'not mine');
  same(await queue('cw1', `queue=overdue&${K}`), [], 'nothing overdue');
  const all = await queue('cw1', `queue=all&${K}`);
  same(all, [k1, k2, k3, k4, k5, k6], 'all');
  assert.deepEqual(new Set(ids(all).slice(0, 2)), new Set([k2.caseId, k6.caseId]), 'risk first in every queue');
  assert.equal(all.next, null);
  assert.equal(all.cases.find((r) => r.case === k5.caseId).assignee, 'cw2');

  // Filters.
  same(await queue('cw1', `queue=all&${K}&state=in_review`), [k5], 'state');
  same(await queue('cw1', `queue=all&${K}&state=monitoring`), [k4]);
  same(await queue('cw1', `queue=all&${K}&route=cn_complaint`), [k3, k4], 'route');
  same(await queue('cw1', `queue=all&${K}&route=eu_dsa`), []);
  same(await queue('cw1', `queue=all&${K}&assignee=cw2`), [k5], 'assignee');
  same(await queue('cw1', `queue=all&${K}&assignee=nobody-here`), [], 'an unknown assignee: nothing, not everything');
  assert.ok(!ids(await queue('cw1', 'queue=all&platform=douyin&limit=100')).includes(k1.caseId), 'platform');
  same(await queue('cw1', 'queue=all&platform=wechat&limit=100'), []);

  // The queue page: tabs and rows.
  const page = await as('cw1', 'GET', '/staff?queue=awaiting&platform=kuaishou');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(k3.caseId));
  assert.ok(!page.text.includes(k1.caseId));
  assert.match(page.text, /notice_sent/);
  const home = await as('cw1', 'GET', '/staff?platform=kuaishou');
  assert.equal(home.status, 200);
  assert.ok(home.text.includes(k1.caseId), 'the new queue by default');
  assert.ok(home.text.indexOf(k2.caseId) < home.text.indexOf(k1.caseId), 'urgent rows on top');
});

// ---- 7 ----

test('queues: limits 1..100, bad cursors 422, and limit 2 pages through every case exactly once in order', async () => {
  for (const q of ['new', 'mine', 'overdue', 'awaiting', 'monitoring', 'all']) await queue('cw1', `queue=${q}&limit=1`);
  const one = await queue('cw1', 'queue=all&limit=1');
  assert.equal(one.cases.length, 1);
  assert.equal(typeof one.next, 'string');
  await queue('cw1', 'queue=all&limit=100');
  for (const lim of ['0', '101', '-1', 'abc', '1.5', '1000000']) {
    const r = await as('cw1', 'GET', `/api/v1/staff/cases?queue=all&limit=${lim}`);
    assert.equal(r.status, 422, `limit=${lim}`);
    assert.equal(r.body.error.field, 'limit');
  }
  const badQ = await as('cw1', 'GET', '/api/v1/staff/cases?queue=everything');
  assert.equal(badQ.status, 422);
  assert.equal(badQ.body.error.field, 'queue');
  for (const cur of ['abc', '2.0.0.abc', '1.0.0.xyz', '1.0.0', '1.0.0.abc;', 'x'.repeat(200), one.next + 'z']) {
    const r = await as('cw1', 'GET', `/api/v1/staff/cases?queue=all&limit=2&cursor=${encodeURIComponent(cur)}`);
    assert.equal(r.status, 422, `cursor ${cur}`);
    assert.equal(r.body.error.field, 'cursor');
  }

  // Enough cases for several pages even when this test runs alone.
  const total = (await queue('cw1', 'queue=all&limit=100')).cases.length;
  for (let i = total; i < 7; i++) await newCase({ risk: i % 3 === 0 ? 'danger_now' : undefined });
  const whole = await queue('cw1', 'queue=all&limit=100');
  assert.ok(whole.cases.length >= 7 && whole.cases.length < 100, `${whole.cases.length} cases`);
  const paged = await allPages('cw1', 'queue=all', 2);
  assert.ok(paged.pages >= Math.ceil(whole.cases.length / 2));
  const seen = paged.rows.map((r) => r.case);
  assert.equal(new Set(seen).size, seen.length, 'no case twice');
  assert.deepEqual(seen, ids(whole), 'every case, in the same order as one page');
  const urgent = paged.rows.map((r) => r.urgent);
  assert.ok(urgent.indexOf(false) === -1 || urgent.lastIndexOf(true) < urgent.indexOf(false), 'risk-flagged cases first');
  // Within each group: the nearest deadline first, cases without one after (withdrawn cases are
  // left out: the order among them is not part of the contract).
  for (const flag of [true, false]) {
    const dues = paged.rows.filter((r) => r.urgent === flag && !r.withdrawn).map((r) => r.next_due ?? Infinity);
    for (let i = 1; i < dues.length; i++) assert.ok(dues[i - 1] <= dues[i], 'by deadline');
  }
  // A filtered queue pages the same way.
  const kq = await allPages('cw1', 'queue=all&platform=kuaishou', 2);
  assert.deepEqual(kq.rows.map((r) => r.case), ids(await queue('cw1', 'queue=all&platform=kuaishou&limit=100')));
});

// ---- 8 ----

test('case content: notes never reach the victim, messages go both ways, assignment and the mine queue', async () => {
  const v = await newCase({}, { session: true });
  const note = mark('内部备注:疑似前任所为');
  const n = await as('cw1', 'POST', `/api/v1/staff/cases/${v.caseId}/notes`, { body: note });
  assert.equal(n.status, 201, n.text);
  assert.equal((await as('cw1', 'POST', `/api/v1/staff/cases/${v.caseId}/notes`, { body: '' })).body.error.field, 'body');
  assert.equal((await as('cw1', 'POST', `/api/v1/staff/cases/${v.caseId}/notes`, {})).status, 422);
  const toVictim = mark('您好,我们已经开始处理');
  const m = await as('cw1', 'POST', `/api/v1/staff/cases/${v.caseId}/messages`, { body: toVictim });
  assert.equal(m.status, 201, m.text);
  const fromVictim = mark('谢谢,还有一个链接');
  const vm = await call('POST', '/api/v1/my/messages', { cookie: v.cookie, csrf: v.csrf, xff: v.xff, json: { body: fromVictim } });
  assert.equal(vm.status, 201, vm.text);

  const sv = await view(v.caseId);
  assert.deepEqual(sv.notes.map((x) => [x.author, x.body]), [['cw1', note]]);
  assert.deepEqual(sv.messages.map((x) => [x.author, x.body]), [['staff', toVictim], ['victim', fromVictim]]);
  const kinds = sv.timeline.map((e) => e.kind);
  for (const k of ['note.added', 'message.staff', 'message.victim']) assert.ok(kinds.includes(k), `timeline has ${k}`);

  const raw = await call('GET', '/api/v1/my/case', { cookie: v.cookie, xff: v.xff });
  assert.equal(raw.status, 200);
  assert.ok(!raw.text.includes(note), 'the note is not in the victim\'s view');
  assert.ok(!raw.text.includes(note.split('-').pop()), 'not even its marker');
  assert.deepEqual(raw.body.messages.map((x) => [x.author, x.body]), [['staff', toVictim], ['victim', fromVictim]]);
  const page = await call('GET', '/my', { cookie: v.cookie, xff: v.xff });
  assert.ok(page.text.includes(htmlEscape(toVictim)), 'the staff message on the status page');
  assert.ok(!page.text.includes(note.split('-').pop()), 'the note is not on the status page');

  // Assignment.
  const a = await as('cw1', 'POST', `/api/v1/staff/cases/${v.caseId}/assign`, { login: 'cw2' });
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.body, { assignee: 'cw2' });
  assert.equal((await view(v.caseId)).assignee, 'cw2');
  assert.ok(ids(await queue('cw2', 'queue=mine&limit=100')).includes(v.caseId), 'in cw2\'s mine queue');
  assert.ok(!ids(await queue('cw1', 'queue=mine&limit=100')).includes(v.caseId), 'not in cw1\'s');
  for (const login of ['ghost', 'aud1', 123, ['cw1']]) {
    const r = await as('cw1', 'POST', `/api/v1/staff/cases/${v.caseId}/assign`, { login });
    assert.equal(r.status, 422, `login ${login}`);
    assert.equal(r.body.error.field, 'login');
  }
  assert.equal((await view(v.caseId)).assignee, 'cw2', 'a refused assignment changes nothing');
  const self = await as('cw2', 'POST', `/api/v1/staff/cases/${v.caseId}/assign`, { login: 'admin' });
  assert.equal(self.status, 200, 'admins take cases too');
  assert.ok(ids(await queue('admin', 'queue=mine&limit=100')).includes(v.caseId));
  assert.ok(!ids(await queue('cw2', 'queue=mine&limit=100')).includes(v.caseId));
  const un = await as('cw1', 'POST', `/api/v1/staff/cases/${v.caseId}/assign`, { login: null });
  assert.equal(un.status, 200);
  assert.equal((await view(v.caseId)).assignee, null);
  assert.ok((await view(v.caseId)).timeline.some((e) => e.kind === 'case.assign'));

  // Unknown cases.
  for (const [method, p, body] of [['GET', '/api/v1/staff/cases/0000000000deadbeef00'], ['POST', '/api/v1/staff/cases/0000000000deadbeef00/notes', { body: 'x' }],
    ['POST', '/api/v1/staff/cases/0000000000deadbeef00/messages', { body: 'x' }], ['POST', '/api/v1/staff/cases/0000000000deadbeef00/assign', { login: 'cw1' }]]) {
    const r = await as('cw1', method, p, body);
    assert.equal(r.status, 404, `${method} ${p}`);
  }

  // Audit: views and writes, never their content.
  const audit = (await auditEntries()).filter((e) => e.subject === v.caseId);
  for (const act of ['case.view', 'case.note', 'case.message', 'case.assign']) assert.ok(audit.some((e) => e.action === act), `audit has ${act}`);
  const auditText = JSON.stringify(await auditEntries());
  assert.ok(!auditText.includes(note) && !auditText.includes(toVictim), 'no content in the audit log');
});

// ---- 9 ----

test('declined: the reason reaches the victim as a staff message', async () => {
  const v = await newCase({}, { session: true });
  const tid = (await targetOf(v.caseId)).id;
  await moveOk(tid, 'in_review');
  const reason = mark('该链接中的内容不涉及您本人');
  await moveOk(tid, 'declined', { reason });
  const mv = await my(v);
  assert.equal(mv.targets[0].state, 'declined');
  assert.equal(mv.state, 'closed', 'no open copy left');
  assert.deepEqual(mv.messages.map((x) => [x.author, x.body]), [['staff', reason]]);
  const page = await call('GET', '/my', { cookie: v.cookie, xff: v.xff });
  assert.ok(page.text.includes(t('victim.state.declined')));
  assert.ok(page.text.includes(htmlEscape(reason)));
  const sv = await view(v.caseId);
  assert.equal(sv.targets[0].open, false);
  assert.deepEqual(transitions(sv, tid), [['reported', 'in_review'], ['in_review', 'declined']]);
});

// ---- 10 ----

test('screenshots: served by the server from the encrypted file, exact bytes, never cached', async () => {
  const bytes = png();
  const v = await reportFormWithPng(bytes);
  const sv = await view(v.caseId);
  assert.equal(sv.screenshots.length, 1);
  const fid = sv.screenshots[0].id;
  assert.equal(typeof fid, 'string');
  const r = await as('cw1', 'GET', `/api/v1/staff/files/${fid}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/png');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(r.bytes.equals(bytes), 'the exact bytes');
  const pg = await as('admin', 'GET', `/staff/files/${fid}`);
  assert.equal(pg.status, 200);
  assert.ok(pg.bytes.equals(bytes));
  assert.equal(pg.headers.get('cache-control'), 'no-store');
  assert.equal((await as('aud1', 'GET', `/api/v1/staff/files/${fid}`)).status, 403);
  assert.equal((await as(v, 'GET', `/api/v1/staff/files/${fid}`)).status, 403);
  assert.equal((await call('GET', `/api/v1/staff/files/${fid}`)).status, 401);
  const unknown = await as('cw1', 'GET', `/api/v1/staff/files/${'0'.repeat(fid.length)}`);
  assert.equal(unknown.status, 404);
  assert.ok((await auditEntries()).some((e) => e.action === 'case.view_file' && e.subject === v.caseId && e.detail === fid));

  // A screenshot counts as preliminary evidence.
  const tid = v.targetId;
  await moveAll(tid, ['in_review', 'ready']);
  const pre = await as('cw1', 'GET', `/api/v1/staff/targets/${tid}/notice?reason=R&representative=Rep`);
  assert.deepEqual(pre.body.missing, []);
  assert.match(pre.body.text, /截图 1 张/);
});

// ---- 11 ----

test('matches: the same canonical link in two cases, once a caseworker has opened both', async () => {
  seq++;
  const url = urlFor('douyin', seq);
  const a = await newCase({ url, fingerprint: fp() });
  const b = await newCase({ url: url.replace('https://www.douyin.com', 'HTTPS://WWW.DOUYIN.COM') + '?utm_source=wechat&share_token=abc', fingerprint: fp() });
  const onUrl = (v) => v.matches.filter((m) => m.on === 'url');
  const va = await view(a.caseId);
  const vb = await view(b.caseId);
  assert.equal(vb.targets[0].body.canonical, va.targets[0].body.canonical, 'one canonical link');
  assert.deepEqual(onUrl(vb).map((m) => [m.case, m.on]), [[a.caseId, 'url']], 'b lists a');
  const va2 = await view(a.caseId);
  assert.deepEqual(onUrl(va2).map((m) => [m.case, m.on]), [[b.caseId, 'url']], 'a lists b once b was opened');
  assert.ok(!va2.matches.some((m) => m.on === 'sha256'), 'different files');
});

// blind_index is a WITHOUT ROWID table whose primary key includes target_id, so SQLite makes
// target_id NOT NULL; case-level entries (fingerprints, contacts) bind target_id NULL and the
// INSERT OR IGNORE in store_blind_replace drops them without a word.

test('matches: the same fingerprint in two cases, once a caseworker has opened both', async () => {
  const shared = fp();
  const c = await newCase({ fingerprint: shared });
  const d = await newCase({ fingerprint: shared });
  await view(c.caseId);
  const vd = await view(d.caseId);
  assert.deepEqual(vd.matches.filter((m) => m.on === 'sha256').map((m) => m.case), [c.caseId]);
  const vc = await view(c.caseId);
  assert.deepEqual(vc.matches.filter((m) => m.on === 'sha256').map((m) => m.case), [d.caseId]);
  assert.deepEqual(vc.matches.filter((m) => m.on === 'url'), [], 'different links');
});

// A view writes a case's blind indexes only when what it decrypted says they differ: most views
// change nothing, and a link added since the last view is indexed at the next one. A trigger of
// the test's own counts the rows deleted from blind_index (each rewrite deletes the case's rows).
test('matches: a view writes the blind indexes again only when they changed; a link added after a view matches at the next', async () => {
  const h = await newCase({});
  await view(h.caseId);
  const g = await newCase({ fingerprint: fp() });
  await view(g.caseId);
  sql(dir, ON_PG
    ? `CREATE TABLE test_blind_deletes (case_id text);
       CREATE FUNCTION test_blind_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN INSERT INTO test_blind_deletes VALUES (OLD.case_id); RETURN NULL; END $$;
       CREATE TRIGGER test_blind_deleted AFTER DELETE ON blind_index FOR EACH ROW EXECUTE FUNCTION test_blind_deleted();`
    : `CREATE TABLE test_blind_deletes (case_id TEXT);
       CREATE TRIGGER test_blind_deleted AFTER DELETE ON blind_index BEGIN INSERT INTO test_blind_deletes VALUES (OLD.case_id); END;`);
  const deleted = () => Number(sql(dir, `SELECT count(*) FROM test_blind_deletes WHERE case_id = '${g.caseId}'`));
  try {
    const again = await view(g.caseId);
    assert.equal(deleted(), 0, 'a view that changes nothing writes nothing');
    assert.deepEqual(again.matches, []);
    const add = await as('cw1', 'POST', `/api/v1/staff/cases/${g.caseId}/targets`, { targets: [{ kind: 'online', url: h.url }] });
    assert.equal(add.status, 201, add.text);
    const after = await view(g.caseId);
    assert.equal(deleted(), 3, 'the link, the fingerprint and the contact written again with the new link');
    assert.deepEqual(after.matches.filter((m) => m.on === 'url').map((m) => m.case), [h.caseId], 'the added link matches');
    await view(g.caseId);
    assert.equal(deleted(), 3, 'and the next view writes nothing');
  } finally {
    sql(dir, ON_PG
      ? 'DROP TRIGGER test_blind_deleted ON blind_index; DROP FUNCTION test_blind_deleted(); DROP TABLE test_blind_deletes;'
      : 'DROP TRIGGER test_blind_deleted; DROP TABLE test_blind_deletes;');
  }
});

test('matches: the same contact in two cases, however it was typed', async () => {
  const e = await newCase({ phone: '+86 137-0000-1111' });
  const f = await newCase({ phone: '8613700001111' });
  await view(e.caseId);
  const vf = await view(f.caseId);
  assert.deepEqual(vf.matches.filter((m) => m.on === 'contact').map((m) => m.case), [e.caseId]);
});

// ---- 12 ----

test('incidents: create, attach two cases, view their copies grouped by platform, filter the queue', async () => {
  const label = mark('地铁站事件 2024-05-01');
  assert.equal((await as('cw1', 'POST', '/api/v1/staff/incidents', {})).body.error.field, 'label');
  const cr = await as('cw1', 'POST', '/api/v1/staff/incidents', { label });
  assert.equal(cr.status, 201, cr.text);
  const id = cr.body.id;
  assert.ok(Number.isInteger(id));
  const a = await newCase({ offline: true });
  const b = await newCase({ platform: 'tiktok' });
  for (const c of [a, b]) {
    const r = await as('cw1', 'POST', `/api/v1/staff/cases/${c.caseId}/incident`, { incident: id });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { incident: id });
  }
  const bad = await as('cw1', 'POST', `/api/v1/staff/cases/${a.caseId}/incident`, { incident: 999999 });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.field, 'incident');
  assert.equal((await as('cw1', 'POST', `/api/v1/staff/cases/${a.caseId}/incident`, { incident: 'one' })).status, 422);
  assert.equal((await view(a.caseId)).incident, id);

  const iv = await as('cw1', 'GET', `/api/v1/staff/incidents/${id}`);
  assert.equal(iv.status, 200, iv.text);
  assert.equal(iv.body.label, label);
  assert.deepEqual(new Set(iv.body.cases), new Set([a.caseId, b.caseId]));
  const va = await view(a.caseId);
  const vb = await view(b.caseId);
  const pick = (list) => list.map((x) => [x.case, x.target, x.state]).sort();
  assert.deepEqual(Object.keys(iv.body.platforms).sort(), ['douyin', 'offline', 'tiktok']);
  assert.deepEqual(pick(iv.body.platforms.douyin), [[a.caseId, va.targets[0].id, 'reported']]);
  assert.deepEqual(pick(iv.body.platforms.offline), [[a.caseId, va.targets[1].id, 'reported']]);
  assert.deepEqual(pick(iv.body.platforms.tiktok), [[b.caseId, vb.targets[0].id, 'reported']]);
  assert.equal(iv.body.platforms.douyin[0].label, a.url);
  assert.equal(iv.body.platforms.tiktok[0].label, vb.targets[0].body.canonical);

  const list = await as('cw1', 'GET', '/api/v1/staff/incidents');
  assert.equal(list.status, 200);
  const entry = list.body.incidents.find((x) => x.id === id);
  assert.equal(entry.label, label);
  assert.equal(entry.cases, 2);
  assert.deepEqual(new Set(ids(await queue('cw1', `queue=all&incident=${id}&limit=100`))), new Set([a.caseId, b.caseId]));
  assert.equal((await as('cw1', 'GET', '/api/v1/staff/incidents/999999')).status, 404);
  const page = await as('cw1', 'GET', `/staff/incidents/${id}`);
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(htmlEscape(label)) && page.text.includes(a.caseId) && page.text.includes(b.caseId));

  // Detach one.
  assert.equal((await as('cw1', 'POST', `/api/v1/staff/cases/${b.caseId}/incident`, { incident: null })).status, 200);
  assert.deepEqual(ids(await queue('cw1', `queue=all&incident=${id}&limit=100`)), [a.caseId]);
});

// ---- 13 ----

test('authorization matrix: every staff route against anonymous, victim, auditor, caseworker, admin; victim routes refuse staff', async () => {
  const routes = (await call('GET', '/debug/routes')).body.routes;
  const STAFF_RE = /^\/(staff|api\/v1\/staff|api\/v1\/admin|api\/v1\/audit|api\/v1\/registry)(\/|$)/;
  const staffRoutes = routes.filter((r) => STAFF_RE.test(r.pattern) && r.access !== 0);
  assert.deepEqual(routes.filter((r) => STAFF_RE.test(r.pattern) && r.access === 0).map((r) => r.pattern).sort(),
    ['/api/v1/staff/session', '/staff/login', '/staff/login'], 'only sign-in is public');
  assert.ok(staffRoutes.length >= 40, `${staffRoutes.length} staff routes`);

  // Real ids for the patterns: a case with a screenshot, its target, an incident, a platform.
  const v = await reportFormWithPng(png());
  const fid = (await view(v.caseId)).screenshots[0].id;
  const inc = (await as('cw1', 'POST', '/api/v1/staff/incidents', { label: 'matrix' })).body.id;
  const fill = (p) => p
    .replace('{case}', v.caseId)
    .replace(/\/targets\/\{id\}/, `/targets/${v.targetId}`)
    .replace(/\/files\/\{id\}/, `/files/${fid}`)
    .replace(/\/incidents\/\{id\}/, `/incidents/${inc}`)
    .replace(/\/platforms\/\{id\}/, '/platforms/zhihu')
    .replace(/\/routes\/\{id\}/, '/routes/au_esafety')
    .replace('{platform}', 'zhihu') // no desk, and no confirmation: refused, nothing revoked
    .replace('{login}', 'cw2'); // an empty body: 422, nobody's password changes

  const ROLES = { auditor: ['aud1', 8], caseworker: ['cw1', 2], admin: ['admin', 4] };
  const sessions = {};
  for (const [role, [login]] of Object.entries(ROLES)) sessions[role] = await signIn(login);
  const victim = { cookie: v.cookie, csrf: v.csrf, xff: v.xff };
  assert.ok(victim.csrf, 'the victim session has a csrf token');
  const METHODS = [[1, 'GET'], [2, 'HEAD'], [4, 'POST'], [8, 'PUT'], [16, 'DELETE']];

  const failures = [];
  const check = (cond, msg) => { if (!cond) failures.push(msg); };
  let calls = 0;
  const send = (s, method, p) => {
    calls++;
    const api = p.startsWith('/api/');
    const unsafe = !['GET', 'HEAD'].includes(method);
    const o = { xff: s?.xff };
    if (s) o.cookie = s.cookie;
    if (unsafe && s) o.csrf = s.csrf;
    if (unsafe) {
      if (api) o.json = {};
      else o.form = s ? { csrf: s.csrf } : {};
    }
    return call(method, p, o);
  };
  for (const route of staffRoutes) {
    const p = fill(route.pattern);
    assert.ok(!p.includes('{'), `all parameters filled: ${p}`);
    const api = p.startsWith('/api/');
    for (const [bit, method] of METHODS) {
      if (!(route.methods & bit)) continue;
      const what = `${method} ${route.pattern}`;
      const anon = await send(null, method, p);
      if (api) {
        check(anon.status === 401 && anon.body?.error?.code === 'unauthorized', `anonymous ${what}: ${anon.status}, want 401`);
      } else {
        check(anon.status === 303 && /^\/staff\/login\?next=/.test(anon.headers.get('location') || ''),
          `anonymous ${what}: ${anon.status} ${anon.headers.get('location')}, want 303 to /staff/login`);
      }
      const vr = await send(victim, method, p);
      check(vr.status === 403, `victim ${what}: ${vr.status}, want 403`);
      if (api) check(vr.body?.error?.code === 'forbidden', `victim ${what}: code ${vr.body?.error?.code}`);
      else check(/^text\/html/.test(vr.headers.get('content-type') || ''), `victim ${what}: a 403 page, got ${vr.headers.get('content-type')}`);
      for (const [role, [login, roleBit]] of Object.entries(ROLES)) {
        const r = await send(sessions[role], method, p);
        if (route.access & roleBit) {
          check(r.status !== 401 && r.status !== 403, `${role} ${what}: ${r.status}, want access (${r.text.slice(0, 120)})`);
          check(!(r.status === 303 && /^\/staff\/login\?next=/.test(r.headers.get('location') || '')), `${role} ${what}: sent to sign in`);
        } else {
          check(r.status === 403, `${role} ${what}: ${r.status}, want 403`);
          if (api && r.status === 403) check(r.body?.error?.code === 'forbidden', `${role} ${what}: code ${r.body?.error?.code}`);
        }
        // Sign-out routes end the session: sign in again.
        if (method !== 'GET' && (await call('GET', '/api/v1/staff/me', { cookie: sessions[role].cookie })).status !== 200)
          sessions[role] = await signIn(login);
      }
    }
  }
  // The victim's session survived every refused call.
  assert.equal((await call('GET', '/api/v1/my/case', { cookie: victim.cookie, xff: victim.xff })).status, 200);

  // Victim routes refuse staff sessions (and never reach the handler: nothing is erased).
  const victimRoutes = routes.filter((r) => r.access === 1);
  assert.ok(victimRoutes.some((r) => r.pattern === '/api/v1/my/case') && victimRoutes.some((r) => r.pattern === '/my'));
  for (const route of victimRoutes) {
    for (const [bit, method] of METHODS) {
      if (!(route.methods & bit)) continue;
      for (const [role] of Object.entries(ROLES)) {
        const r = await send(sessions[role], method, route.pattern);
        check(r.status === 403, `${role} on victim route ${method} ${route.pattern}: ${r.status}, want 403`);
      }
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${calls} calls wrong`);
  const still = await my(victim);
  assert.equal(still.case, v.caseId, 'the case is still there');
  assert.equal(still.state, 'open');
});

// ---- 14 ----

test('audit: the auditor reads the log; takedownctl audit verify says intact, and an edited row breaks it', async () => {
  const log = await auditEntries('aud1');
  assert.ok(log.length > 20);
  assert.deepEqual(Object.keys(log[0]).sort(), ['action', 'actor', 'at', 'detail', 'id', 'subject']);
  for (let i = 1; i < log.length; i++) assert.ok(log[i - 1].id > log[i].id, 'newest first');
  for (const act of ['target.transition', 'case.view', 'platform.update', 'route.update']) assert.ok(log.some((e) => e.action === act), act);
  const page1 = await as('admin', 'GET', '/api/v1/audit?limit=5');
  assert.equal(page1.body.entries.length, 5);
  const page2 = await as('admin', 'GET', `/api/v1/audit?limit=5&before=${page1.body.next}`);
  assert.ok(page2.body.entries[0].id < page1.body.entries[4].id);
  assert.equal((await as('aud1', 'GET', '/api/v1/audit?limit=0')).status, 422);
  assert.equal((await as('aud1', 'GET', `/api/v1/staff/cases/${log.find((e) => e.action === 'case.view').subject}`)).status, 403, 'never case contents');
  const ap = await as('aud1', 'GET', '/staff/audit');
  assert.equal(ap.status, 200);
  assert.ok(ap.text.includes(htmlEscape(log[0].action)), 'the page shows the log');

  const ok = ctl(['audit', 'verify', '--data-dir', dir]);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /audit log intact: \d+ entries/);
  assert.notEqual(sql(dir, 'SELECT detail FROM audit WHERE id=3'), 'x');
  sql(dir, "UPDATE audit SET detail='x' WHERE id=3");
  assert.equal(sql(dir, "SELECT count(*) FROM audit WHERE id=3 AND detail='x'"), '1', 'one row edited');
  const broken = ctl(['audit', 'verify', '--data-dir', dir]);
  assert.equal(broken.status, 1, broken.stdout + broken.stderr);
  assert.match(broken.stdout, /BROKEN at entry 3\b/);
});

test('statistics: counts only, and they move with the work', async () => {
  const before = await as('aud1', 'GET', '/api/v1/stats');
  assert.equal(before.status, 200, before.text);
  const count = (s, group, key) =>
    s.groups.find((g) => g.name === group).rows.find((r) => r.key === key)?.n ?? 0;
  assert.deepEqual(before.body.groups.map((g) => g.name), ['cases', 'state', 'platform', 'route', 'incident_type']);
  const c = await newCase();
  const after = (await as('aud1', 'GET', '/api/v1/stats')).body;
  assert.equal(count(after, 'cases', 'active'), count(before.body, 'cases', 'active') + 1);
  assert.equal(count(after, 'state', 'reported'), count(before.body, 'state', 'reported') + (await view(c.caseId)).targets.length);
  for (const g of after.groups) for (const r of g.rows) assert.ok(r.n <= g.max, 'max bounds every row');
  // Nothing of a case's content: no link, no phone, no description.
  const text = JSON.stringify(after);
  assert.ok(!text.includes(c.url) && !text.includes(c.phone), 'no content in statistics');
  const page = await call('GET', '/staff/stats', { cookie: staff.aud1.cookie, xff: staff.aud1.xff });
  assert.equal(page.status, 200);
  assert.match(page.text, /<meter min="0" max="\d+" value="\d+"/);
  assert.equal((await call('GET', '/api/v1/stats')).status, 401);
});
