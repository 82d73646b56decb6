// Issue 14, the platform desk answering over real HTTP, with simulated platforms that hold their own
// key pairs: acknowledging, asking for more information, deciding (removed, disabled,
// geo- or age-restricted, rejected with a reason), reporting re-uploads. Each answer moves the copy
// through the one transition table with its event and audit entry under the platform's name; the
// victim's page says it in plain words; the desk's own words reach the caseworker, sealed to the
// org on disk (an org rotation keeps them readable); another platform's token sees nothing; bad
// input is a clear 4xx naming the field; every limit is tried on both sides; the rate limit holds
// on the service's clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync, readFileSync, statSync } from 'node:fs';
import { startServer, initStaff, ctl, tempDir, dataFiles, call as callAs, I18N, htmlEscape } from './lib.mjs';

let srv, dir, pw, keys, cw;
const desks = {};
let n = 0;
const xff = () => `10.16.${++n >> 8}.${n & 255}`;
const call = (method, p, opts = {}) => callAs(srv.base, method, p, { xff: xff(), ...opts });
const asCw = (method, p, json) => call(method, p, { cookie: cw.cookie, csrf: cw.csrf, json });
const deskAs = (platform, method, p, json) =>
  call(method, `/api/platform/v1${p}`, { headers: { Authorization: `Bearer ${desks[platform]}` }, json });

function addDesk(d, platform, adminPw = pw.admin) {
  const k = ctl(['platform', 'keygen', '--secret-key-file', path.join(keys, `${path.basename(d)}-${platform}`)]);
  assert.equal(k.status, 0, k.stderr);
  const pk = /^public-key: ([0-9a-f]{64})$/m.exec(k.stdout)[1];
  const add = ctl(['platform', 'add', '--data-dir', d, '--as', 'admin', '--platform', platform, '--public-key', pk], [adminPw]);
  assert.equal(add.status, 0, add.stderr);
  return /^token: (tdp_[0-9a-f]{64})$/m.exec(add.stdout)[1];
}

async function signInCw() {
  const s = await call('POST', '/api/v1/staff/session', { json: { login: 'cw1', password: pw.cw1 } });
  assert.equal(s.status, 200, s.text);
  cw = { cookie: s.cookies.td_session, csrf: s.body.csrf };
}

// A victim's report of one link, its receipt session, and the copy sent through the platform's desk.
const NOTICE = { reason: '未经同意发布', evidence: '截图已保存', representative: '某法律援助中心' };
async function sentThroughDesk(url) {
  const victimXff = xff();
  const r = await call('POST', '/api/v1/cases', {
    xff: victimXff,
    json: {
      language: 'zh-CN', requester: { role: 'self', name: '王五', contact: { channel: 'phone', value: '+86 139 0000 1111' } },
      incident: { type: 'intimate' }, consent: { share_identity_with_platform: true, preservation: 'none' },
      good_faith: true, signature: '王五', targets: [{ kind: 'online', url }],
    },
  });
  assert.equal(r.status, 201, r.text);
  const v = await asCw('GET', `/api/v1/staff/cases/${r.body.case}`);
  const target = v.body.targets[0].id;
  for (const to of ['in_review', 'ready']) assert.equal((await asCw('POST', `/api/v1/staff/targets/${target}/transition`, { to })).status, 200);
  const sent = await asCw('POST', `/api/v1/staff/targets/${target}/transition`, { to: 'notice_sent', channel: 'platform_desk', ...NOTICE });
  assert.equal(sent.status, 200, sent.text);
  const s = await call('POST', '/api/v1/receipt/session', { xff: victimXff, json: { receipt: r.body.receipt } });
  assert.equal(s.status, 200, s.text);
  const list = await deskAs('douyin', 'GET', '/notices');
  // What the desk sees is numbered at the desk: the notice just sent is its newest.
  const notice = list.body.notices.at(-1);
  assert.ok(notice && notice.id === Math.max(...list.body.notices.map((x) => x.id)), 'the desk lists it');
  return { caseId: r.body.case, target, notice: notice.id, copy: notice.copy, victim: { cookie: s.cookies.td_session, csrf: s.body.csrf, xff: victimXff } };
}

const staffTarget = async (c) => (await asCw('GET', `/api/v1/staff/cases/${c.caseId}`)).body.targets.find((t) => t.id === c.target);
const victimState = async (c) => (await call('GET', '/api/v1/my/case', { cookie: c.victim.cookie, xff: c.victim.xff })).body.targets[0].state;
const link = () => `https://www.douyin.com/video/7${Date.now()}${++n}`;
const clock = (q) => call('POST', `/debug/clock?${q}`, { json: {} });

before(async () => {
  ({ dir, pw } = initStaff('takedown-desk-answers-', [['cw1', 'caseworker']]));
  keys = tempDir('takedown-desk-answer-keys-');
  desks.douyin = addDesk(dir, 'douyin');
  desks.weibo = addDesk(dir, 'weibo');
  // A high rate here: these tests make many calls; the rate limit has its own server below.
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy', '--debug-routes', '--platform-calls-per-minute', '600000'] });
  await signInCw();
});

after(async () => {
  await srv?.stop();
});

test('a copy the victim withdrew leaves the desk\'s list, and the desk can no longer decide it', async () => {
  const c = await sentThroughDesk(link());
  const w = await call('POST', '/api/v1/my/withdraw', { cookie: c.victim.cookie, csrf: c.victim.csrf, xff: c.victim.xff, json: {} });
  assert.equal(w.status, 200, w.text);
  const list = await deskAs('douyin', 'GET', '/notices');
  assert.ok(!list.body.notices.some((x) => x.id === c.notice), 'withdrawn: not listed');
  const one = await deskAs('douyin', 'GET', `/notices/${c.notice}`);
  assert.equal(one.status, 200, 'its own notice can still be fetched');
  const late = await deskAs('douyin', 'POST', `/notices/${c.notice}/decision`, { decision: 'removed' });
  assert.equal(late.status, 409, late.text);
  assert.equal(late.body.error.code, 'conflict');
  assert.equal((await staffTarget(c)).state, 'withdrawn');
});

test('acknowledged, then removed: the copy moves, the desk\'s words reach the caseworker, the victim reads it plainly', async () => {
  const c = await sentThroughDesk(link());
  const dueBefore = (await staffTarget(c)).due_at;
  const ack = await deskAs('douyin', 'POST', `/notices/${c.notice}/ack`, { item_id: 'dy-item-7731' });
  assert.equal(ack.status, 200, ack.text);
  assert.ok(ack.body.acked_at > 0);
  const t1 = await staffTarget(c);
  assert.equal(t1.state, 'acknowledged');
  assert.equal(t1.due_at, dueBefore, 'the route\'s clock keeps running');
  assert.equal(await victimState(c), 'acknowledged');
  const again = await deskAs('douyin', 'POST', `/notices/${c.notice}/ack`, {});
  assert.equal(again.status, 200, 'an acknowledgement sent twice changes nothing');
  assert.equal((await deskAs('douyin', 'GET', '/notices')).body.notices.find((x) => x.id === c.notice).acked_at, ack.body.acked_at);

  const now = (await clock('seconds=0')).body.now;
  const done = await deskAs('douyin', 'POST', `/notices/${c.notice}/decision`, { decision: 'removed', item_id: 'dy-item-7731', at: now - 60 });
  assert.equal(done.status, 200, done.text);
  assert.ok(done.body.answered_at > 0);
  const t2 = await staffTarget(c);
  assert.equal(t2.state, 'removed');
  assert.deepEqual(t2.desk_answers.map((a) => [a.kind, a.outcome ?? null, a.item_id]),
    [['ack', null, 'dy-item-7731'], ['decision', 'removed', 'dy-item-7731']]);
  assert.equal(t2.desk_answers[1].platform_at, now - 60);
  const v = await asCw('GET', `/api/v1/staff/cases/${c.caseId}`);
  assert.deepEqual(v.body.timeline.filter((e) => e.actor === 'platform:douyin').map((e) => [e.from, e.to]),
    [['notice_sent', 'acknowledged'], ['acknowledged', 'removed']]);

  // The victim's page, in both languages, in plain words.
  assert.equal(await victimState(c), 'removed');
  for (const lang of ['zh-CN', 'en']) {
    const page = await call('GET', '/my', { cookie: c.victim.cookie, xff: c.victim.xff, lang });
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(I18N[lang]['victim.state.removed']), lang);
  }

  // Decided: off the list, and a second decision is refused.
  assert.ok(!(await deskAs('douyin', 'GET', '/notices')).body.notices.some((x) => x.id === c.notice));
  const twice = await deskAs('douyin', 'POST', `/notices/${c.notice}/decision`, { decision: 'rejected', reason: 'x' });
  assert.equal(twice.status, 409);
  assert.equal(twice.body.error.code, 'conflict');

  // On disk the desk's words are sealed: the item id is in no file in clear.
  for (const f of dataFiles(dir)) assert.equal(f.bytes.indexOf(Buffer.from('dy-item-7731')), -1, `item id in ${path.relative(dir, f.p)}`);
  const admin = await call('POST', '/api/v1/staff/session', { json: { login: 'admin', password: pw.admin } });
  const audit = await call('GET', '/api/v1/audit?limit=500', { cookie: admin.cookies.td_session });
  assert.ok(audit.body.entries.some((e) => e.actor === 'platform:douyin' && e.action === 'target.transition' && e.subject === c.caseId));
});

test('each decision maps to its state: disabled is removed, geo and age restrictions are restricted, a rejection needs its reason', async () => {
  const cases = [['disabled', 'removed'], ['geo_restricted', 'restricted'], ['age_restricted', 'restricted'], ['rejected', 'rejected']];
  // The statistics of how fast platforms act count a desk's decisions like any other.
  const figures = async () => (await asCw('GET', '/api/v1/stats/platforms')).body.groups
    .find((g) => g.platform === 'douyin' && g.route === 'cn_complaint')?.total ?? { decided: 0, removed: 0, restricted: 0, rejected: 0 };
  const before = await figures();
  for (const [decision, state] of cases) {
    const c = await sentThroughDesk(link());
    if (decision === 'rejected') {
      const noReason = await deskAs('douyin', 'POST', `/notices/${c.notice}/decision`, { decision });
      assert.equal(noReason.status, 422);
      assert.equal(noReason.body.error.field, 'reason');
      assert.equal((await staffTarget(c)).state, 'notice_sent', 'nothing moved');
    }
    const r = await deskAs('douyin', 'POST', `/notices/${c.notice}/decision`, { decision, ...(decision === 'rejected' ? { reason: '不构成侵权' } : {}) });
    assert.equal(r.status, 200, `${decision}: ${r.text}`);
    const t = await staffTarget(c);
    assert.equal(t.state, state, decision);
    assert.equal(t.desk_answers.at(-1).outcome, decision);
    if (decision === 'rejected') assert.equal(t.desk_answers.at(-1).reason, '不构成侵权');
    assert.equal(await victimState(c), state);
    const page = await call('GET', '/my', { cookie: c.victim.cookie, xff: c.victim.xff, lang: 'en' });
    assert.ok(page.text.includes(I18N.en[`victim.state.${state}`]), decision);
  }
  const after = await figures();
  assert.deepEqual(['decided', 'removed', 'restricted', 'rejected'].map((k) => after[k] - before[k]), [4, 1, 2, 1]);
});

test('needs_info: the caseworker sees the question, answers by sending again through the desk, and the desk sees the new notice only', async () => {
  const c = await sentThroughDesk(link());
  const q = await deskAs('douyin', 'POST', `/notices/${c.notice}/needs-info`, { question: '请提供权利人身份证明' });
  assert.equal(q.status, 200, q.text);
  const t = await staffTarget(c);
  assert.equal(t.state, 'needs_info');
  assert.equal(t.desk_answers.at(-1).question, '请提供权利人身份证明');
  assert.equal(t.due_at, undefined, 'the platform\'s clock stops while the center owes the answer');
  for (const lang of ['zh-CN', 'en']) {
    const page = await call('GET', `/staff/cases/${c.caseId}`, { cookie: cw.cookie, lang });
    assert.equal(page.status, 200);
    for (const words of ['请提供权利人身份证明', I18N[lang]['cw.desk.answers'], I18N[lang]['cw.desk.kind.needs_info'], `${I18N[lang]['platform.douyin']} · `])
      assert.ok(page.text.includes(htmlEscape(words)), `${lang}: ${words}`);
  }
  assert.ok(!(await deskAs('douyin', 'GET', '/notices')).body.notices.some((x) => x.id === c.notice));
  const resent = await asCw('POST', `/api/v1/staff/targets/${c.target}/transition`, { to: 'notice_sent', channel: 'platform_desk', ...NOTICE, evidence: '身份证明已附' });
  assert.equal(resent.status, 200, resent.text);
  const mine = (await deskAs('douyin', 'GET', '/notices')).body.notices.filter((x) => x.copy === c.copy);
  assert.equal(mine.length, 1);
  assert.ok(mine[0].id > c.notice, 'the new notice');
  assert.equal((await deskAs('douyin', 'POST', `/notices/${c.notice}/decision`, { decision: 'removed' })).status, 409, 'the old one is answered');
  assert.equal((await deskAs('douyin', 'POST', `/notices/${mine[0].id}/decision`, { decision: 'removed' })).status, 200);
});

test('a notice the copy no longer waits on (staff sent it again by hand, another way or through the desk) leaves the list and cannot move the copy', async () => {
  // Staff record the platform's request for more by hand, then send again by the platform's form:
  // the copy now waits on that notice, not on the desk's.
  const c = await sentThroughDesk(link());
  assert.equal((await asCw('POST', `/api/v1/staff/targets/${c.target}/transition`, { to: 'needs_info' })).status, 200);
  const byForm = await asCw('POST', `/api/v1/staff/targets/${c.target}/transition`, { to: 'notice_sent', ...NOTICE });
  assert.equal(byForm.status, 200, byForm.text);
  assert.ok(!(await deskAs('douyin', 'GET', '/notices')).body.notices.some((x) => x.id === c.notice), 'not listed again');
  for (const [p, json] of [['ack', {}], ['needs-info', { question: '?' }], ['decision', { decision: 'rejected', reason: '已处理' }]]) {
    const late = await deskAs('douyin', 'POST', `/notices/${c.notice}/${p}`, json);
    assert.equal(late.status, 409, `${p}: ${late.text}`);
    assert.equal(late.body.error.code, 'conflict');
    assert.equal(late.body.error.superseded, true, 'it says why');
  }
  const t = await staffTarget(c);
  assert.equal(t.state, 'notice_sent', 'nothing moved');
  assert.equal(t.desk_answers.length, 0);

  // Sent again through the desk: only the newer notice answers for the copy.
  const d = await sentThroughDesk(link());
  assert.equal((await asCw('POST', `/api/v1/staff/targets/${d.target}/transition`, { to: 'needs_info' })).status, 200);
  const again = await asCw('POST', `/api/v1/staff/targets/${d.target}/transition`, { to: 'notice_sent', channel: 'platform_desk', ...NOTICE });
  assert.equal(again.status, 200, again.text);
  const mine = (await deskAs('douyin', 'GET', '/notices')).body.notices.filter((x) => x.copy === d.copy);
  assert.deepEqual(mine.map((x) => x.id > d.notice), [true], 'the newer notice only');
  assert.equal((await deskAs('douyin', 'POST', `/notices/${d.notice}/decision`, { decision: 'removed' })).status, 409);
  assert.equal((await deskAs('douyin', 'POST', `/notices/${mine[0].id}/decision`, { decision: 'removed' })).status, 200);
  assert.equal((await staffTarget(d)).state, 'removed');
});

test('numbered per desk: a desk learns nothing of the notices other desks got or of the center\'s copies', async () => {
  const a = await sentThroughDesk(link());
  // Three notices to another platform's desk in between, and copies reported meanwhile.
  for (let i = 0; i < 3; i++) {
    const r = await call('POST', '/api/v1/cases', {
      json: {
        language: 'zh-CN', requester: { role: 'self', name: '李四', contact: { channel: 'phone', value: '+86 139 0000 3333' } },
        incident: { type: 'intimate' }, consent: { share_identity_with_platform: true, preservation: 'none' },
        good_faith: true, signature: '李四', targets: [{ kind: 'online', url: `https://weibo.com/1234/${Date.now()}${i}` }, { kind: 'online', url: link() }],
      },
    });
    assert.equal(r.status, 201, r.text);
    const t = (await asCw('GET', `/api/v1/staff/cases/${r.body.case}`)).body.targets.find((x) => x.platform === 'weibo').id;
    for (const to of ['in_review', 'ready']) assert.equal((await asCw('POST', `/api/v1/staff/targets/${t}/transition`, { to })).status, 200);
    assert.equal((await asCw('POST', `/api/v1/staff/targets/${t}/transition`, { to: 'notice_sent', channel: 'platform_desk', ...NOTICE })).status, 200);
  }
  const b = await sentThroughDesk(link());
  assert.equal(b.notice, a.notice + 1, 'the next notice at this desk, whatever other desks got');
  assert.equal(b.copy, a.copy + 1, 'the next copy at this desk, whatever the center received');
  const weibo = (await deskAs('weibo', 'GET', '/notices')).body.notices.map((x) => x.id);
  assert.deepEqual(weibo.slice(-3), [weibo.at(-3), weibo.at(-3) + 1, weibo.at(-3) + 2], 'the other desk numbers its own');
  // The same copy sent again keeps its copy number.
  assert.equal((await asCw('POST', `/api/v1/staff/targets/${b.target}/transition`, { to: 'needs_info' })).status, 200);
  assert.equal((await asCw('POST', `/api/v1/staff/targets/${b.target}/transition`, { to: 'notice_sent', channel: 'platform_desk', ...NOTICE })).status, 200);
  const again = (await deskAs('douyin', 'GET', '/notices')).body.notices.at(-1);
  assert.deepEqual([again.id, again.copy], [b.notice + 1, b.copy]);
});

test('another platform\'s desk: every call on a notice not addressed to it is 404, exactly as for no notice at all', async () => {
  const c = await sentThroughDesk(link());
  const calls = [
    ['GET', `/notices/${c.notice}`], ['POST', `/notices/${c.notice}/ack`, {}],
    ['POST', `/notices/${c.notice}/needs-info`, { question: '?' }],
    ['POST', `/notices/${c.notice}/decision`, { decision: 'removed' }],
    ['POST', `/notices/${c.notice}/reuploads`, { url: 'https://weibo.com/1/2' }],
  ];
  for (const [method, p, json] of calls) {
    const theirs = await deskAs('weibo', method, p, json);
    const none = await deskAs('weibo', method, p.replace(String(c.notice), '99999999'), json);
    assert.equal(theirs.status, 404, `${method} ${p}`);
    assert.deepEqual(theirs.body, none.body, 'nothing tells them apart');
  }
  assert.equal((await staffTarget(c)).state, 'notice_sent', 'nothing moved');
  assert.equal((await staffTarget(c)).desk_answers.length, 0);
});

test('bad input: a clear 4xx naming the field, and every limit tried on both sides', async () => {
  const c = await sentThroughDesk(link());
  const d = (json) => deskAs('douyin', 'POST', `/notices/${c.notice}/decision`, json);
  const expect422 = async (json, field) => {
    const r = await d(json);
    assert.equal(r.status, 422, `${JSON.stringify(json).slice(0, 60)}: ${r.text}`);
    assert.equal(r.body.error.field, field);
  };
  await expect422({ decision: 'deleted' }, 'decision');
  await expect422({}, 'decision');
  await expect422({ decision: 'removed', extra: 1 }, 'extra');
  await expect422({ decision: 'removed', at: '2026-01-01' }, 'at');
  await expect422({ decision: 'removed', item_id: 5 }, 'item_id');
  await expect422({ decision: 'removed', item_id: 'x'.repeat(201) }, 'item_id');
  await expect422({ decision: 'removed', item_id: 'a\u0001b' }, 'item_id');
  const nul = await d({ decision: 'removed', item_id: 'a\u0000b' });
  assert.equal(nul.status, 400, 'NUL inside JSON text is refused by the parser');
  assert.equal(nul.body.error.code, 'bad_json');
  await expect422({ decision: 'rejected', reason: 'x'.repeat(2001) }, 'reason');
  // The clock held still while the limit is tried: a second passing between reading it and the
  // request would put now + 301 on the limit itself (the five-run met that on a busy machine).
  const now = (await clock('freeze=1&seconds=0')).body.now;
  await expect422({ decision: 'removed', at: now + 301 }, 'at');
  await expect422({ decision: 'removed', at: -1 }, 'at');
  const q = await deskAs('douyin', 'POST', `/notices/${c.notice}/needs-info`, { question: 'x'.repeat(2001) });
  assert.equal(q.status, 422);
  assert.equal(q.body.error.field, 'question');
  const noQ = await deskAs('douyin', 'POST', `/notices/${c.notice}/needs-info`, {});
  assert.equal(noQ.body.error.field, 'question');
  const form = await call('POST', `/api/platform/v1/notices/${c.notice}/ack`, { headers: { Authorization: `Bearer ${desks.douyin}` }, form: { item_id: 'x' } });
  assert.equal(form.status, 415);
  const ok = await d({ decision: 'rejected', reason: 'x'.repeat(2000), item_id: 'y'.repeat(200), at: now + 300 });
  assert.equal(ok.status, 200, 'the longest reason and item id, and five minutes of clock drift, are taken');
  assert.equal((await staffTarget(c)).desk_answers.at(-1).reason.length, 2000);
  await clock('freeze=0');
});

test('re-uploads: a child copy at once while staff work, else waiting sealed until they do; a hundred per notice', async () => {
  const c = await sentThroughDesk(link());
  assert.equal((await deskAs('douyin', 'POST', `/notices/${c.notice}/decision`, { decision: 'removed' })).status, 200);
  const url1 = link();
  const r1 = await deskAs('douyin', 'POST', `/notices/${c.notice}/reuploads`, { url: url1 });
  assert.equal(r1.status, 201, r1.text);
  assert.equal(r1.body.status, 'made');
  let v = await asCw('GET', `/api/v1/staff/cases/${c.caseId}`);
  assert.deepEqual(Object.keys(r1.body).sort(), ['notice', 'status'], 'no id of the new copy: it would count the center\'s copies');
  const child = v.body.targets.find((t) => t.parent === c.target && t.body.url === url1);
  assert.ok(child);
  assert.equal(child.state, 'reported');
  assert.equal(child.body.url, url1);
  assert.ok(v.body.timeline.some((e) => e.kind === 'target.reupload' && e.target === child.id && e.actor === 'platform:douyin'));

  const other = await deskAs('douyin', 'POST', `/notices/${c.notice}/reuploads`, { url: 'https://weibo.com/1234/5678' });
  assert.equal(other.status, 422, 'a desk reports copies on its own platform');
  assert.equal(other.body.error.field, 'url');
  for (const url of ['not a link', '']) assert.equal((await deskAs('douyin', 'POST', `/notices/${c.notice}/reuploads`, { url })).body.error.field, 'url');

  // Nobody at work for 31 minutes: the service holds no key, the re-upload waits sealed.
  await clock('seconds=1860');
  const url2 = link();
  const r2 = await deskAs('douyin', 'POST', `/notices/${c.notice}/reuploads`, { url: url2 });
  assert.equal(r2.status, 202, r2.text);
  assert.equal(r2.body.status, 'pending');
  for (const f of dataFiles(dir)) assert.equal(f.bytes.indexOf(Buffer.from(url2)), -1, `pending link in ${path.relative(dir, f.p)}`);
  await signInCw();
  assert.equal((await call('POST', '/debug/tick', { json: {} })).status, 200);
  v = await asCw('GET', `/api/v1/staff/cases/${c.caseId}`);
  assert.equal(v.body.targets.filter((t) => t.parent === c.target).length, 1, 'a sign-in alone offers no key');
  assert.equal((await call('POST', '/debug/tick', { json: {} })).status, 200, 'the view above was staff at work');
  v = await asCw('GET', `/api/v1/staff/cases/${c.caseId}`);
  const made = v.body.targets.filter((t) => t.parent === c.target).map((t) => t.body.url);
  assert.deepEqual(made.sort(), [url1, url2].sort(), 'made once staff were back');

  // The limit: a hundred re-uploads per notice, the hundred-and-first refused.
  for (let i = 2; i < 100; i++) {
    const r = await deskAs('douyin', 'POST', `/notices/${c.notice}/reuploads`, { url: link() });
    assert.equal(r.status, 201, `${i}: ${r.text}`);
  }
  const over = await deskAs('douyin', 'POST', `/notices/${c.notice}/reuploads`, { url: link() });
  assert.equal(over.status, 422);
  assert.equal(over.body.error.field, 'url');
});

test('the rate limit of one desk holds on the service\'s clock, for that desk only', async () => {
  const d2 = initStaff('takedown-desk-rate-', []);
  const tokenA = addDesk(d2.dir, 'douyin', d2.pw.admin);
  const tokenB = addDesk(d2.dir, 'kuaishou', d2.pw.admin);
  const s = await startServer({ dataDir: d2.dir, args: ['--debug-routes', '--platform-calls-per-minute', '60'] });
  try {
    const get = (token) => callAs(s.base, 'GET', '/api/platform/v1/notices', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal((await callAs(s.base, 'POST', '/debug/clock?freeze=1', { json: {} })).status, 200);
    for (let i = 0; i < 6; i++) assert.equal((await get(tokenA)).status, 200, `call ${i + 1} of the burst of 6`);
    const over = await get(tokenA);
    assert.equal(over.status, 429);
    assert.equal(over.body.error.code, 'rate_limited');
    assert.equal(over.headers.get('retry-after'), '1');
    assert.equal((await get(tokenB)).status, 200, 'another desk has its own allowance');
    assert.equal((await callAs(s.base, 'POST', '/debug/clock?seconds=1', { json: {} })).status, 200);
    assert.equal((await get(tokenA)).status, 200, 'one call a second comes back');
    assert.equal((await get(tokenA)).status, 429);
  } finally {
    await s.stop();
  }
});

test('the platform\'s own client: takedownctl platform pull opens the notices, ack/ask/decide/reupload answer them', async () => {
  const c = await sentThroughDesk(link());
  const tokenFile = path.join(keys, 'douyin-token');
  writeFileSync(tokenFile, desks.douyin + '\n', { mode: 0o600 });
  const key = path.join(keys, `${path.basename(dir)}-douyin`);
  const client = (verb, ...args) => ctl(['platform', verb, '--url', srv.base, '--token-file', tokenFile, ...args]);

  const out = path.join(keys, 'pulled.json');
  const pulled = client('pull', '--secret-key-file', key, '--out', out);
  assert.equal(pulled.status, 0, pulled.stderr);
  assert.equal(statSync(out).mode & 0o777, 0o600, 'what it writes only its owner reads');
  const notices = JSON.parse(readFileSync(out, 'utf8')).notices;
  const mine = notices.find((x) => x.id === c.notice);
  assert.deepEqual([mine.notice.id, mine.notice.copy], [c.notice, c.copy], 'the numbers it has at this desk, sealed in too');
  assert.match(mine.notice.url, /^https:\/\/www\.douyin\.com\/video\//);
  assert.ok(!('sealed' in mine));
  const wrongKey = ctl(['platform', 'pull', '--url', srv.base, '--token-file', tokenFile, '--secret-key-file', path.join(keys, `${path.basename(dir)}-weibo`)]);
  assert.equal(wrongKey.status, 1);
  assert.match(wrongKey.stderr, /is not sealed to this key/);

  const ack = client('ack', '--notice', String(c.notice), '--item-id', 'cli-1');
  assert.equal(ack.status, 0, ack.stderr);
  assert.equal((await staffTarget(c)).state, 'acknowledged');
  const bad = client('decide', '--notice', String(c.notice), '--decision', 'deleted');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /HTTP 422: invalid \(field decision\)/);
  assert.equal(client('decide', '--notice', String(c.notice)).status, 2, 'usage: --decision is required');
  const done = client('decide', '--notice', String(c.notice), '--decision', 'geo_restricted', '--item-id', 'cli-1');
  assert.equal(done.status, 0, done.stderr);
  assert.equal(JSON.parse(done.stdout).id, c.notice);
  assert.equal((await staffTarget(c)).state, 'restricted');
  const re = client('reupload', '--notice', String(c.notice), '--link', link());
  assert.equal(re.status, 0, re.stderr);
  assert.equal(JSON.parse(re.stdout).status, 'made');

  const c2 = await sentThroughDesk(link());
  const ask = client('ask', '--notice', String(c2.notice), '--question', '请补充材料');
  assert.equal(ask.status, 0, ask.stderr);
  assert.equal((await staffTarget(c2)).desk_answers[0].question, '请补充材料');
  const revoked = ctl(['platform', 'pull', '--url', srv.base, '--token-file', path.join(keys, 'no-such-token'), '--secret-key-file', key]);
  assert.equal(revoked.status, 1);
  assert.match(revoked.stderr, /cannot read the token/);
});

test('a new token for a live desk (its old one expiring, or seen by an admin who left): the old one stops, the desk keeps its notices', async () => {
  const c = await sentThroughDesk(link());
  const old = desks.douyin;
  const noPw = ctl(['platform', 'token', '--data-dir', dir, '--as', 'admin', '--platform', 'douyin'], ['not-the-password']);
  assert.equal(noPw.status, 1, 'only an admin with the password');
  assert.equal((await deskAs('douyin', 'GET', '/notices')).status, 200, 'nothing changed');
  assert.equal(ctl(['platform', 'token', '--data-dir', dir, '--as', 'admin', '--platform', 'kuaishou'], [pw.admin]).status, 1, 'no live desk');
  const r = ctl(['platform', 'token', '--data-dir', dir, '--as', 'admin', '--platform', 'douyin', '--days', '30'], [pw.admin]);
  assert.equal(r.status, 0, r.stderr);
  desks.douyin = /^token: (tdp_[0-9a-f]{64})$/m.exec(r.stdout)[1];
  assert.notEqual(desks.douyin, old);
  const stale = await call('GET', '/api/platform/v1/notices', { headers: { Authorization: `Bearer ${old}` } });
  assert.equal(stale.status, 401, 'the old token stops at once');
  assert.ok((await deskAs('douyin', 'GET', '/notices')).body.notices.some((x) => x.id === c.notice), 'the same desk: its notices are still there');
  assert.equal((await deskAs('douyin', 'POST', `/notices/${c.notice}/decision`, { decision: 'removed' })).status, 200);
  assert.match(ctl(['platform', 'list', '--data-dir', dir]).stdout, /^douyin\t[0-9a-f]{64}\tcreated \d+\tlive\ttokens 1$/m);
  const admin = await call('POST', '/api/v1/staff/session', { json: { login: 'admin', password: pw.admin } });
  const audit = await call('GET', '/api/v1/audit?limit=500', { cookie: admin.cookies.td_session });
  assert.ok(audit.body.entries.some((e) => e.actor === 'staff:admin' && e.action === 'platform.token' && e.subject === 'douyin'));
});

// Last: after a rotation the key staff offered before it is stale until the next offer.
test('an org rotation keeps what desks answered readable', async () => {
  const c = await sentThroughDesk(link());
  assert.equal((await deskAs('douyin', 'POST', `/notices/${c.notice}/decision`, { decision: 'rejected', reason: '轮换前的理由' })).status, 200);
  const rot = ctl(['org', 'rotate', '--data-dir', dir, '--as', 'admin'], [pw.admin]);
  assert.equal(rot.status, 0, rot.stderr);
  await signInCw();
  assert.equal((await staffTarget(c)).desk_answers.at(-1).reason, '轮换前的理由');
});
