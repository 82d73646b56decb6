// Every page, as each kind of visitor sees it: on a phone (390x844) and a desk (1366x900), in
// Chinese and English; the victim's pages with JavaScript off, the staff pages with it on. Each
// page passes axe-core with no violation of any impact, has no sideways scrolling, and leaves a
// screenshot (build/e2e-artifacts/pages-*.png; docs/ux.md lists them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, ctl, tempDir, call } from '../http/lib.mjs';
import { launch, VIEWS } from './browser.mjs';
import { assertAccessible, screenshot } from './audit.mjs';

const LANGS = { zh: 'zh-CN', en: 'en-US' };

let srv, browser;
const pw = {};
const ids = {};

function report(n) {
  return {
    language: 'zh-CN',
    requester: { role: 'self', name: '林' + n, contact: { channel: 'phone', value: '+86 139-0000-12' + String(n).padStart(2, '0') } },
    incident: { type: 'intimate', date: '2026-11-20', place: '杭州' },
    risk: { extortion: n === 1 },
    description: '视频被转发 ' + randomBytes(3).toString('hex'),
    consent: { share_identity_with_platform: true, preservation: 'fingerprint' },
    good_faith: true,
    signature: '林' + n,
    targets: [
      { kind: 'online', url: `https://www.douyin.com/video/73012345678901234${10 + n}`, platform: 'douyin' },
      { kind: 'offline', holder: '便利店老板 ' + n, where: '收银台电脑' },
    ],
  };
}

before(async () => {
  const dir = tempDir('takedown-e2e-pages-');
  pw.admin = 'Admin-' + randomBytes(8).toString('hex');
  assert.equal(ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]).status, 0);
  // A platform desk (issue 14), so the desks page lists one.
  const desk = ctl(['platform', 'add', '--data-dir', dir, '--as', 'admin', '--platform', 'douyin', '--public-key', 'ab'.repeat(32)], [pw.admin]);
  assert.equal(desk.status, 0, desk.stderr);
  srv = await startServer({ dataDir: dir });
  const made = await call(srv.base, 'POST', '/api/v1/cases', { json: report(1) });
  assert.equal(made.status, 201, made.text);
  ids.receipt = made.body.receipt;
  ids.case = made.body.case;
  const staff = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'admin', password: pw.admin } });
  assert.equal(staff.status, 200);
  ids.staffCookie = staff.cookies.td_session;
  const view = await call(srv.base, 'GET', `/api/v1/staff/cases/${ids.case}`, { cookie: ids.staffCookie });
  assert.equal(view.status, 200);
  ids.online = view.body.targets.find((x) => x.kind === 'online').id;
  ids.offline = view.body.targets.find((x) => x.kind === 'offline').id;
  // An incident with the center's own case (issue 13), and one without (its form).
  const asStaff = (p, json) => call(srv.base, 'POST', p, { cookie: ids.staffCookie, csrf: staff.body.csrf, json });
  for (const key of ['incident', 'incidentEmpty']) {
    const inc = await asStaff('/api/v1/staff/incidents', { label: `Incident ${key}` });
    assert.equal(inc.status, 201, inc.text);
    ids[key] = inc.body.id;
  }
  const center = await asStaff(`/api/v1/staff/incidents/${ids.incident}/case`, {
    incident: { type: 'crime', place: 'Station square' },
    description: 'Found by the patrol',
    targets: [{ kind: 'online', url: 'https://www.douyin.com/video/7300000000000000001' }, { kind: 'offline', holder: 'Shop CCTV', where: 'North gate' }],
  });
  assert.equal(center.status, 201, center.text);
  ids.center = center.body.case;
  assert.equal((await asStaff(`/api/v1/staff/cases/${ids.case}/incident`, { incident: ids.incident })).status, 200);
  // A notice sent and decided, so the platform statistics draw their charts.
  const centerView = (await call(srv.base, 'GET', `/api/v1/staff/cases/${ids.center}`, { cookie: ids.staffCookie })).body;
  const sent = centerView.targets.find((x) => x.kind === 'online').id;
  for (const to of ['in_review', 'ready', 'notice_sent', 'removed'])
    assert.equal((await asStaff(`/api/v1/staff/targets/${sent}/transition`, { to, reason: 'Posted without consent', evidence: 'Screenshots kept', representative: 'The center' })).status, 200, to);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  srv?.cleanup();
});

// A fresh victim session for each context (a page visit must not spend the shared one).
async function victimCookie() {
  const s = await call(srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: ids.receipt } });
  assert.equal(s.status, 200, s.text);
  return s.cookies.td_session;
}

// Visits one page and checks it; what fails is added to problems, so one run lists them all.
async function visit(page, path, name, problems) {
  const status = path[1] || 200;
  const res = await page.goto(srv.base + path[0]);
  if (res.status() !== status) problems.push(`${path[0]}: ${res.status()}, not ${status}`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (wide > 0) problems.push(`${path[0]}: ${wide} px of sideways scrolling`);
  await screenshot(page, name);
  try {
    await assertAccessible(page, `${name} (${path[0]})`);
  } catch (e) {
    problems.push(e.message.split('\n').filter((l) => /^\+ +'/.test(l) || /^axe-core/.test(l)).join(' '));
  }
}

const VICTIM_PAGES = [
  ['landing', '/'], ['report', '/report'], ['follow-up', '/follow-up'], ['not-found', '/no-such-page', 404],
  ['my', '/my'], ['withdraw', '/my/withdraw'], ['erase', '/my/erase'],
];
const STAFF_PAGES = () => [
  ['queue', '/staff'], ['case', `/staff/cases/${ids.case}`], ['notice', `/staff/targets/${ids.online}/notice`],
  ['visit-sheet', `/staff/targets/${ids.offline}/visit-sheet`], ['incidents', '/staff/incidents'],
  ['platforms', '/staff/platforms'], ['stats', '/staff/stats'], ['audit', '/staff/audit'],
  ['settings', '/staff/settings'], ['totp', '/staff/totp'], ['incident', `/staff/incidents/${ids.incident}`],
  ['center-case', `/staff/cases/${ids.center}`], ['center-form', `/staff/incidents/${ids.incidentEmpty}/case`],
  ['add-copies', `/staff/cases/${ids.case}/targets`], ['desks', '/staff/desks'], ['platform-stats', '/staff/stats/platforms'],
];

for (const [view, opts] of Object.entries(VIEWS)) {
  for (const [lang, locale] of Object.entries(LANGS)) {
    test(`victim pages without JavaScript, ${view}, ${lang}`, async () => {
      const ctx = await browser.newContext({ ...opts, locale, javaScriptEnabled: false });
      await ctx.addCookies([{ name: 'td_session', value: await victimCookie(), url: srv.base }]);
      const page = await ctx.newPage();
      const problems = [];
      for (const [name, ...path] of VICTIM_PAGES) await visit(page, path, `pages-victim-${name}-${view}-${lang}`, problems);
      await ctx.close();
      assert.deepEqual(problems, []);
    });

    test(`staff pages, ${view}, ${lang}`, async () => {
      const problems = [];
      const anon = await browser.newContext({ ...opts, locale });
      await visit(await anon.newPage(), ['/staff/login'], `pages-staff-login-${view}-${lang}`, problems);
      await anon.close();
      const ctx = await browser.newContext({ ...opts, locale });
      await ctx.addCookies([{ name: 'td_session', value: ids.staffCookie, url: srv.base }]);
      const page = await ctx.newPage();
      for (const [name, ...path] of STAFF_PAGES()) await visit(page, path, `pages-staff-${name}-${view}-${lang}`, problems);
      await ctx.close();
      assert.deepEqual(problems, []);
    });
  }
}
