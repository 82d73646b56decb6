// Shared by ux_staff.test.mjs (staff pages) and ux_staff_victim.test.mjs (the victim's pages):
// one server with a frozen clock (--debug-routes), staff accounts, and cases in the states the
// tests look at, made through the JSON API; pages audited (axe-core) and kept as screenshots.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, ctl, tempDir, I18N } from '../http/lib.mjs';
import { launch } from './browser.mjs';
import { assertAccessible, screenshot } from './audit.mjs';

export const t = (key, lang) => {
  const v = I18N[lang][key];
  assert.ok(typeof v === 'string', `i18n key ${key} exists in ${lang}`);
  return v;
};
// A text with each "{}" replaced in turn.
export const fill = (text, ...values) => values.reduce((s, v) => s.replace('{}', String(v)), text);

const VIEWS = [
  { name: 'phone', opts: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
  { name: 'desk', opts: { viewport: { width: 1366, height: 900 } } },
];
const LANGS = [
  { lang: 'zh-CN', tag: 'zh', locale: 'zh-CN' },
  { lang: 'en', tag: 'en', locale: 'en-US' },
];
// Every view and language (and, for victim pages, JavaScript on and off).
export const combos = (withJs) => VIEWS.flatMap((v) => LANGS.flatMap((l) =>
  (withJs ? [true, false] : [true]).map((js) => ({ ...v, ...l, js }))));
export const label = (part, c) => `ux-staff-${part}-${c.name}-${c.tag}${c.js ? "" : "-nojs"}`;

export let srv, browser;
export const pw = {};
let addrN = 0;
export const nextAddr = () => `10.88.${++addrN >> 8}.${addrN & 255}`;
export const HOUR = 3600;

// ---- HTTP helpers (setup through the JSON API) ----

async function call(method, p, { json, cookie, csrf, xff = '10.99.0.1' } = {}) {
  const headers = { 'X-Forwarded-For': xff };
  if (cookie) headers.Cookie = cookie;
  if (csrf) headers['X-CSRF-Token'] = csrf;
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(srv.base + p, { method, headers, body: json === undefined ? undefined : JSON.stringify(json), redirect: 'manual' });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch { /* a page */ }
  return { status: res.status, body, text, cookies: res.headers.getSetCookie() };
}

const staff = {};
async function staffSession(login) {
  const r = await call('POST', '/api/v1/staff/session', { json: { login, password: pw[login] }, xff: '10.99.1.1' });
  assert.equal(r.status, 200, r.text);
  staff[login] = { cookie: r.cookies.map((c) => c.split(';')[0]).join('; '), csrf: r.body.csrf };
}
export const asStaff = (login, method, p, json) =>
  call(method, p, { json: json ?? (method === 'GET' ? undefined : {}), cookie: staff[login].cookie, csrf: staff[login].csrf, xff: '10.99.1.1' });

async function move(tid, to, fields = {}) {
  const r = await asStaff('cw1', 'POST', `/api/v1/staff/targets/${tid}/transition`, { to, ...fields });
  assert.equal(r.status, 200, `#${tid} -> ${to}: ${r.text}`);
}
const NOTICE = { reason: '未经同意发布私密视频', evidence: '截图已由工作人员保存', channel: 'web form' };
export const clock = (q) => call('POST', `/debug/clock?${q}`, { json: {} });

function report({ targets, extortion = false, type = 'intimate' }) {
  return {
    language: 'zh-CN',
    requester: { role: 'self', name: '陈女士', contact: { channel: 'phone', value: '+86 139 0000 5678' } },
    incident: { type },
    risk: { extortion },
    description: '视频被人转发',
    consent: { share_identity_with_platform: true, preservation: 'fingerprint' },
    good_faith: true,
    signature: '陈女士',
    targets,
  };
}

async function newCase(spec) {
  const r = await call('POST', '/api/v1/cases', { json: report(spec), xff: nextAddr() });
  assert.equal(r.status, 201, r.text);
  const view = await asStaff('cw1', 'GET', `/api/v1/staff/cases/${r.body.case}`);
  assert.equal(view.status, 200, view.text);
  return { ...r.body, targets: view.body.targets.map((x) => ({ id: x.id, kind: x.kind, platform: x.platform })) };
}

export const D = {}; // the cases the tests look at

export async function setUp() {
  const dir = tempDir('takedown-e2e-ux-staff-');
  pw.lead = 'Lead-' + randomBytes(8).toString('hex');
  const init = ctl(['init', '--data-dir', dir, '--admin', 'lead'], [pw.lead, pw.lead]);
  assert.equal(init.status, 0, init.stderr);
  for (const [login, role] of [['cw1', 'caseworker'], ['cw2', 'caseworker'], ['aud1', 'auditor']]) {
    pw[login] = `${login}-` + randomBytes(8).toString('hex');
    const r = ctl(['user', 'add', '--data-dir', dir, '--as', 'lead', '--role', role, login], [pw.lead, pw[login], pw[login]]);
    assert.equal(r.status, 0, r.stderr);
  }
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy', '--debug-routes'] });
  assert.equal((await clock('freeze=1')).status, 200);
  await staffSession('cw1');

  // V: the victim's case: one copy removed, one waiting on the platform, one offline visit planned.
  D.V = await newCase({ targets: [
    { kind: 'online', url: 'https://www.douyin.com/video/7301111111111111111', platform: 'douyin' },
    { kind: 'online', url: 'https://weibo.com/1234567890/NaBcDeFgH', platform: 'weibo' },
    { kind: 'offline', holder: '楼下打印店', where: '店里的电脑' },
  ] });
  const [vDouyin, vWeibo, vOff] = D.V.targets.map((x) => x.id);
  for (const [tid, steps] of [[vDouyin, ['in_review', 'ready', 'notice_sent', 'removed']], [vWeibo, ['in_review', 'ready', 'notice_sent']]])
    for (const to of steps) await move(tid, to, to === 'notice_sent' ? NOTICE : {});
  D.vOff = vOff;
  await move(vOff, 'in_review');
  await move(vOff, 'visit_planned', { planned_at: '2031-05-01T10:00', place: '打印店', staff_a: 'cw1', staff_b: 'cw2' });
  // The victim writes first; two answers come after it: both are new to them.
  const s = await call('POST', '/api/v1/receipt/session', { json: { receipt: D.V.receipt }, xff: nextAddr() });
  assert.equal(s.status, 200, s.text);
  const vcookie = s.cookies.map((c) => c.split(';')[0]).join('; ');
  const vcsrf = s.body.csrf;
  const m = await call('POST', '/api/v1/my/messages', { json: { body: '请问进展如何?' }, cookie: vcookie, csrf: vcsrf, xff: nextAddr() });
  assert.equal(m.status, 201, m.text);
  await clock("seconds=60");
  for (const body of ['第一条回复:已向抖音发出通知', '第二条回复:抖音已删除']) {
    const r = await asStaff('cw1', 'POST', `/api/v1/staff/cases/${D.V.case}/messages`, { body });
    assert.ok([200, 201].includes(r.status), r.text);
    await clock("seconds=60");
  }

  // S: a staff case with a copy in each interesting state for the case page.
  D.S = await newCase({ extortion: true, type: 'deepfake', targets: [
    { kind: 'online', url: 'https://www.bilibili.com/video/BV1xx411c7mD', platform: 'bilibili' },
    { kind: 'online', url: 'https://www.kuaishou.com/short-video/3x1234567890abc', platform: 'kuaishou' },
    { kind: 'offline', holder: '同学的手机', where: '学校宿舍' },
  ] });
  const [sRemoved, sReady, sOff] = D.S.targets.map((x) => x.id);
  for (const to of ['in_review', 'ready', 'notice_sent', 'removed']) await move(sRemoved, to, to === 'notice_sent' ? NOTICE : {});
  for (const to of ['in_review', 'ready']) await move(sReady, to);
  await move(sOff, 'in_review');
  Object.assign(D, { sRemoved, sReady, sOff });
  const inc = await asStaff('cw1', 'POST', '/api/v1/staff/incidents', { label: '某校事件' });
  assert.equal(inc.status, 201, inc.text);
  D.incident = inc.body.id;
  assert.equal((await asStaff('cw1', 'POST', `/api/v1/staff/cases/${D.S.case}/incident`, { incident: D.incident })).status, 200);

  // N: new, no clock: "review within one working day".
  D.N = await newCase({ type: 'harassment', targets: [{ kind: 'online', url: 'https://www.xiaohongshu.com/explore/64a1b2c3d4e5f6a7b8c9d0e1', platform: 'xiaohongshu' }] });
  browser = await launch();
}

export async function tearDown() {
  await browser?.close();
  await srv?.stop();
  srv?.cleanup();
}

export async function newPage(c) {
  const ctx = await browser.newContext({ ...c.opts, locale: c.locale, javaScriptEnabled: c.js, extraHTTPHeaders: { 'X-Forwarded-For': nextAddr() } });
  return { ctx, page: await ctx.newPage() };
}

export async function staffPage(c, login = 'cw1') {
  const { ctx, page } = await newPage(c);
  await page.goto(srv.base + '/staff/login');
  await page.fill('#login', login);
  await page.fill('#password', pw[login]);
  await Promise.all([page.waitForURL('**/staff'), page.click('button[type="submit"].primary')]);
  return { ctx, page };
}

// Audited and kept as a screenshot; the page must not scroll sideways either.
export async function check(page, name) {
  const o = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: window.innerWidth }));
  assert.ok(o.sw <= o.w + 1, `${name}: no sideways scroll (${o.sw} > ${o.w})`);
  await assertAccessible(page, name);
  await screenshot(page, name);
}
