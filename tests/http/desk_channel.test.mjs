// Issue 14, the platform desk's channel over real HTTP, with two simulated platforms that hold
// their own key pairs (made by `takedownctl platform keygen`, as a platform would): a notice a
// caseworker sends through the desk is sealed to its platform's key and opens only with it
// (`takedownctl platform open`); it holds the link and the notice, never the victim's contact
// details; another platform's token sees nothing of it; no token, a wrong one, an expired or a
// revoked one are refused alike; a platform with no desk cannot be sent to through one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startServer, initStaff, ctl, tempDir, dataFiles, call as callAs, TAKEDOWNCTL } from './lib.mjs';

let srv, dir, pw, keys, cw;
const desks = {};
let n = 0;
const xff = () => `10.15.${++n >> 8}.${n & 255}`;
const call = (method, p, opts = {}) => callAs(srv.base, method, p, { xff: xff(), ...opts });
const asCw = (method, p, json) => call(method, p, { cookie: cw.cookie, csrf: cw.csrf, json });
const desk = (platform, p = '/api/platform/v1/notices', headers = {}) =>
  call('GET', p, { headers: { Authorization: `Bearer ${desks[platform]}`, ...headers } });

// `takedownctl platform open` as the platform runs it: the desk's answer on stdin.
function open(platform, answer) {
  const r = spawnSync(TAKEDOWNCTL, ['platform', 'open', '--secret-key-file', path.join(keys, platform)], { input: answer, encoding: 'utf8' });
  return { status: r.status, out: r.status === 0 ? JSON.parse(r.stdout) : null, stderr: r.stderr };
}

async function report(url) {
  const phone = `+86 139 ${String(1000 + n).slice(-4)} ${String(Date.now()).slice(-4)}`;
  const r = await call('POST', '/api/v1/cases', {
    json: {
      language: 'zh-CN', requester: { role: 'self', name: '张三', contact: { channel: 'phone', value: phone } },
      incident: { type: 'intimate' }, consent: { share_identity_with_platform: true, preservation: 'none' },
      good_faith: true, signature: '张三', targets: [{ kind: 'online', url }],
    },
  });
  assert.equal(r.status, 201, r.text);
  const v = await asCw('GET', `/api/v1/staff/cases/${r.body.case}`);
  return { caseId: r.body.case, target: v.body.targets[0].id, phone };
}

const NOTICE = { reason: '未经同意发布', evidence: '截图已保存', representative: '某法律援助中心' };
async function send(target, channel) {
  for (const to of ['in_review', 'ready']) assert.equal((await asCw('POST', `/api/v1/staff/targets/${target}/transition`, { to })).status, 200);
  return asCw('POST', `/api/v1/staff/targets/${target}/transition`, { to: 'notice_sent', channel, ...NOTICE });
}

before(async () => {
  ({ dir, pw } = initStaff('takedown-desk-channel-', [['cw1', 'caseworker']]));
  keys = tempDir('takedown-desk-keys-');
  for (const platform of ['douyin', 'weibo']) {
    const k = ctl(['platform', 'keygen', '--secret-key-file', path.join(keys, platform)]);
    assert.equal(k.status, 0, k.stderr);
    const pk = /^public-key: ([0-9a-f]{64})$/m.exec(k.stdout)[1];
    const add = ctl(['platform', 'add', '--data-dir', dir, '--as', 'admin', '--platform', platform, '--public-key', pk], [pw.admin]);
    assert.equal(add.status, 0, add.stderr);
    desks[platform] = /^token: (tdp_[0-9a-f]{64})$/m.exec(add.stdout)[1];
  }
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy', '--debug-routes'] });
  const s = await call('POST', '/api/v1/staff/session', { json: { login: 'cw1', password: pw.cw1 } });
  assert.equal(s.status, 200);
  cw = { cookie: s.cookies.td_session, csrf: s.body.csrf };
});

after(async () => {
  await srv?.stop();
});

test('a notice sent through the desk reaches its platform sealed to its key, and only there', async () => {
  const url = `https://www.douyin.com/video/7${Date.now()}`;
  const c = await report(url);
  const sent = await send(c.target, 'platform_desk');
  assert.equal(sent.status, 200, sent.text);

  const got = await desk('douyin');
  assert.equal(got.status, 200, got.text);
  assert.equal(got.body.notices.length, 1);
  assert.equal(got.body.next, null);
  const [notice] = got.body.notices;
  assert.deepEqual([notice.id, notice.copy], [1, 1], 'numbered at this desk: its first notice, its first copy');
  assert.ok(!('target' in notice), 'never the service\'s own ids');
  assert.equal(notice.route, 'cn_complaint');
  assert.ok(!got.text.includes(url), 'the link is not in clear');

  const opened = open('douyin', got.text);
  assert.equal(opened.status, 0, opened.stderr);
  const inside = opened.out.notices[0].notice;
  assert.equal(inside.url, url);
  assert.deepEqual([inside.id, inside.copy], [1, 1]);
  assert.ok(inside.notice.includes(NOTICE.reason), 'the notice text with its elements');
  const all = JSON.stringify(opened.out);
  assert.ok(!all.includes(c.phone) && !all.includes(c.phone.replace(/ /g, '')), 'never the victim\'s contact details');

  // Another platform: sees nothing of it, and cannot open it with its own key.
  const other = await desk('weibo');
  assert.equal(other.status, 200);
  assert.deepEqual(other.body.notices, []);
  const wrongKey = open('weibo', got.text);
  assert.equal(wrongKey.status, 1);
  assert.match(wrongKey.stderr, /is not sealed to this key/);

  // The service keeps only the sealed copy for the platform: the link is in no file in clear.
  for (const f of dataFiles(dir)) assert.equal(f.bytes.indexOf(Buffer.from(url)), -1, `link in ${path.relative(dir, f.p)}`);
});

test('no token, a wrong one, another scheme: 401 with WWW-Authenticate; a bad cursor names its field', async () => {
  for (const auth of [undefined, 'Bearer tdp_' + 'a'.repeat(64), `Basic ${desks.douyin}`, 'Bearer ', `Bearer ${desks.douyin}x`]) {
    const r = await call('GET', '/api/platform/v1/notices', { headers: auth ? { Authorization: auth } : {} });
    assert.equal(r.status, 401, String(auth));
    assert.equal(r.body.error.code, 'unauthorized');
    assert.match(r.headers.get('www-authenticate'), /^Bearer /);
  }
  for (const cursor of ['x', '-1', '']) {
    const r = await desk('douyin', `/api/platform/v1/notices?cursor=${cursor}`);
    assert.equal(r.status, 400, cursor);
    assert.equal(r.body.error.field, 'cursor');
  }
  assert.equal((await desk('douyin', '/api/platform/v1/notices?cursor=0')).status, 200);
});

test('an expired token and a revoked desk are refused alike; a platform with no desk cannot be sent to through one', async () => {
  // Expiry on both sides, on the service's clock: a day's token.
  const k = ctl(['platform', 'keygen', '--secret-key-file', path.join(keys, 'kuaishou')]);
  const pk = /^public-key: ([0-9a-f]{64})$/m.exec(k.stdout)[1];
  const add = ctl(['platform', 'add', '--data-dir', dir, '--as', 'admin', '--platform', 'kuaishou', '--public-key', pk, '--days', '1'], [pw.admin]);
  assert.equal(add.status, 0, add.stderr);
  desks.kuaishou = /^token: (tdp_[0-9a-f]{64})$/m.exec(add.stdout)[1];
  assert.equal((await desk('kuaishou')).status, 200);
  assert.equal((await call('POST', '/debug/clock?seconds=86300', { json: {} })).status, 200);
  assert.equal((await desk('kuaishou')).status, 200, 'a hundred seconds before it expires');
  assert.equal((await call('POST', '/debug/clock?seconds=100', { json: {} })).status, 200);
  assert.equal((await desk('kuaishou')).status, 401, 'expired');
  assert.equal((await call('POST', '/debug/clock?seconds=-86400', { json: {} })).status, 200);

  // Revoked: the token stops at once.
  assert.equal((await desk('weibo')).status, 200);
  const r = ctl(['platform', 'revoke', '--data-dir', dir, '--as', 'admin', '--platform', 'weibo'], [pw.admin]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await desk('weibo')).status, 401);

  // Weibo has no live desk now: a notice cannot go through one; it can go by its web form.
  const c = await report(`https://weibo.com/1234/${Date.now()}`);
  const refused = await send(c.target, 'platform_desk');
  assert.equal(refused.status, 422, refused.text);
  assert.equal(refused.body.error.field, 'channel');
  assert.equal((await asCw('GET', `/api/v1/staff/cases/${c.caseId}`)).body.targets[0].state, 'ready', 'nothing moved');
  const web = await asCw('POST', `/api/v1/staff/targets/${c.target}/transition`, { to: 'notice_sent', channel: 'web form', ...NOTICE });
  assert.equal(web.status, 200, web.text);
});

test('every call of a desk is in the audit log under the platform\'s name', async () => {
  const admin = await call('POST', '/api/v1/staff/session', { json: { login: 'admin', password: pw.admin } });
  const audit = await call('GET', '/api/v1/audit?limit=200', { cookie: admin.cookies.td_session });
  assert.equal(audit.status, 200);
  const calls = audit.body.entries.filter((e) => e.action === 'platform.call');
  assert.ok(calls.some((e) => e.actor === 'platform:douyin' && e.subject === '/api/platform/v1/notices'));
  assert.ok(calls.some((e) => e.actor === 'platform:weibo'));
  assert.ok(!JSON.stringify(audit.body).includes(desks.douyin), 'never a token');
});
