// A caseworker's journey in a real browser (Debian's Chromium): sign in with the keyboard, the
// queue with the urgent case first, the case page with the decrypted request, assignment, a
// notice prepared and marked sent, a forbidden move, an offline copy visited by two staff, notes
// and messages as the victim sees them, the auditor's view, a phone, and English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, ctl, tempDir, REPO, I18N } from '../http/lib.mjs';
import { launch } from './browser.mjs';

const t = (key, lang = 'zh-CN') => {
  const v = I18N[lang][key];
  assert.ok(typeof v === 'string', `i18n key ${key} exists in ${lang}`);
  return v;
};
const mark = (tag) => `${tag}-${randomBytes(4).toString('hex')}`;

const DESK = { viewport: { width: 1280, height: 900 }, locale: 'zh-CN' };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' };

let srv, browser;
const pw = {};
let desk; // the caseworker cw2's desktop page, shared by the journey's steps
const A = { description: mark('有人拿视频勒索我,要我转账'), name: mark('林小姐'), phone: '+86 139-0000-1234',
  douyin: 'https://www.douyin.com/video/7301234567890123456', holder: mark('楼下便利店老板'), where: mark('店内收银台电脑') };
const B = { description: mark('前男友把视频发到了抖音'), douyin: 'https://www.douyin.com/video/7309876543210987654' };
const ids = {}; // onA, offA, onB: target ids

// ---- helpers ----

async function postJson(p, json, cookie) {
  const headers = { 'Content-Type': 'application/json' };
  if (cookie) headers.Cookie = cookie;
  const res = await fetch(srv.base + p, { method: 'POST', headers, body: JSON.stringify(json) });
  return { status: res.status, body: await res.json(), cookies: res.headers.getSetCookie() };
}

function report({ description, name, phone, douyin, holder, where, extortion, share }) {
  const targets = [{ kind: 'online', url: douyin, platform: 'douyin' }];
  if (holder) targets.push({ kind: 'offline', holder, where });
  return {
    language: 'zh-CN',
    requester: { role: 'self', name: name || '', contact: { channel: phone ? 'phone' : 'none', value: phone || '' } },
    incident: { type: 'intimate' },
    risk: { extortion: !!extortion },
    description,
    consent: { share_identity_with_platform: share, preservation: 'fingerprint' },
    good_faith: true,
    signature: name || '签名',
    targets,
  };
}

// A form submission that navigates (the staff pages work without JavaScript); the final response.
async function submit(page, selector) {
  const [res] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return res;
}

async function signIn(ctx, login, password = pw[login]) {
  const page = await ctx.newPage();
  await page.goto(srv.base + '/staff/login');
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL('**/staff'), page.click('button[type="submit"].primary')]);
  return page;
}

const openCase = (page, id) => page.goto(`${srv.base}/staff/cases/${id}`);
// The state's code sits in data-state; the words shown are checked by ux_staff.test.mjs.
const stateOf = (page, tid) => page.getAttribute(`#target-${tid} .state`, 'data-state');

// Moves a target with the case page's transition form.
async function move(page, tid, to) {
  const form = `#target-${tid} form.transition:not(.visit)`;
  await page.selectOption(`${form} select[name="to"]`, to);
  const res = await submit(page, `${form} button[type="submit"]`);
  assert.equal(res.status(), 200, `moved #${tid} to ${to}`);
  assert.equal(await stateOf(page, tid), to);
}

// ---- setup ----

before(async () => {
  const dir = tempDir('takedown-e2e-staff-');
  pw.admin = 'Admin-' + randomBytes(8).toString('hex');
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]);
  assert.equal(init.status, 0, init.stderr);
  for (const [login, role] of [['cw1', 'caseworker'], ['cw2', 'caseworker'], ['aud1', 'auditor']]) {
    pw[login] = `${login}-` + randomBytes(8).toString('hex');
    const r = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', role, login], [pw.admin, pw[login], pw[login]]);
    assert.equal(r.status, 0, r.stderr);
  }
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy'] });
  // B first, so the urgent A is the newer one and must still come first.
  const rb = await postJson('/api/v1/cases', report({ ...B, share: true }));
  assert.equal(rb.status, 201, JSON.stringify(rb.body));
  Object.assign(B, rb.body);
  const ra = await postJson('/api/v1/cases', report({ ...A, extortion: true, share: false }));
  assert.equal(ra.status, 201, JSON.stringify(ra.body));
  Object.assign(A, ra.body);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  srv?.cleanup();
});

// ---- the journey ----

test('sign-in with the keyboard only; a wrong password is refused and the login kept', async () => {
  // Wrong password first, in a throwaway context.
  const other = await browser.newContext(DESK);
  const bad = await other.newPage();
  await bad.goto(srv.base + '/staff/login');
  await bad.fill('#login', 'cw2');
  await bad.fill('#password', 'not-the-password');
  const res = await submit(bad, 'button[type="submit"].primary');
  assert.equal(res.status(), 401);
  assert.match(await bad.textContent('[role="alert"]'), new RegExp(t('error.bad_credentials')));
  assert.equal(await bad.inputValue('#login'), 'cw2');
  assert.equal(new URL(bad.url()).pathname, '/staff/login');
  await other.close();

  const ctx = await browser.newContext(DESK);
  desk = await ctx.newPage();
  await desk.goto(srv.base + '/staff/login');
  const focused = () => desk.evaluate(() => document.activeElement?.id || '');
  for (let i = 0; i < 12 && (await focused()) !== 'login'; i++) await desk.keyboard.press('Tab');
  assert.equal(await focused(), 'login', 'Tab reaches the login field');
  await desk.keyboard.type('cw2');
  await desk.keyboard.press('Tab');
  assert.equal(await focused(), 'password', 'the next Tab stop is the password');
  await desk.keyboard.type(pw.cw2);
  await Promise.all([desk.waitForURL('**/staff'), desk.keyboard.press('Enter')]);
  assert.equal(new URL(desk.url()).pathname, '/staff');
  assert.equal(await desk.textContent('nav.tabs a[aria-current="page"]'), t('cw.queue.new'));

  const rows = desk.locator('table.queue tbody tr');
  assert.equal(await rows.count(), 2);
  assert.match(await rows.nth(0).textContent(), new RegExp(A.case));
  assert.equal((await rows.nth(0).locator('.badge.risk').textContent()).trim(), t('cw.urgent'));
  assert.match(await rows.nth(1).textContent(), new RegExp(B.case));
  assert.equal(await rows.nth(1).locator('.badge.risk').count(), 0);
});

test('the urgent case: the decrypted request, both copies; assigned to cw1, it is in their "mine"', async () => {
  await Promise.all([desk.waitForURL(`**/staff/cases/${A.case}`), desk.click(`table.queue a[href="/staff/cases/${A.case}"]`)]);
  assert.match(await desk.textContent('h1'), new RegExp(A.case));
  assert.equal((await desk.textContent('dd.pre')).trim(), A.description);
  assert.match(await desk.textContent('dl.facts'), new RegExp(A.name));
  assert.match(await desk.textContent('p.meta'), new RegExp(t('report.risk.extortion')));

  const sections = desk.locator('section.target');
  assert.equal(await sections.count(), 2);
  for (let i = 0; i < 2; i++) {
    const id = Number((await sections.nth(i).getAttribute('id')).replace('target-', ''));
    const text = await sections.nth(i).textContent();
    if (text.includes(A.holder)) {
      ids.offA = id;
      assert.match(text, new RegExp(A.where));
    } else {
      ids.onA = id;
      assert.match(text, /douyin\.com\/video\/7301234567890123456/);
    }
  }
  assert.ok(ids.onA && ids.offA, 'one online and one offline copy');
  assert.equal(await stateOf(desk, ids.onA), 'reported');

  await desk.selectOption('#assign select[name="login"]', 'cw1');
  const res = await submit(desk, '#assign button[type="submit"]');
  assert.equal(res.status(), 200);
  assert.equal(new URL(desk.url()).pathname, `/staff/cases/${A.case}`);
  assert.equal(await desk.inputValue('#assign select[name="login"]'), 'cw1');

  const ctx = await browser.newContext(DESK);
  const cw1 = await signIn(ctx, 'cw1');
  await Promise.all([cw1.waitForURL('**/staff?queue=mine'), cw1.click('nav.tabs a[href="/staff?queue=mine"]')]);
  assert.equal(await cw1.textContent('nav.tabs a[aria-current="page"]'), t('cw.queue.mine'));
  const rows = cw1.locator('table.queue tbody tr');
  assert.equal(await rows.count(), 1);
  assert.match(await rows.nth(0).textContent(), new RegExp(A.case));
  assert.match(await rows.nth(0).textContent(), /cw1/);
  await ctx.close();
});

test('a notice: reported -> in_review -> ready, preview, mark as sent with a ticket', async () => {
  await openCase(desk, A.case);
  const canonical = (await desk.textContent(`#target-${ids.onA} a[href^="http"]`)).trim();
  assert.match(canonical, /^https:\/\/www\.douyin\.com\/video\/7301234567890123456/);
  await move(desk, ids.onA, 'in_review');
  await move(desk, ids.onA, 'ready');

  await Promise.all([desk.waitForURL(`**/staff/targets/${ids.onA}/notice**`),
    desk.click(`#target-${ids.onA} a[href^="/staff/targets/${ids.onA}/notice"]`)]);
  assert.match(await desk.textContent('h1'), new RegExp(`${t('cw.notice.title')} #${ids.onA}`));
  const reason = mark('未经同意发布私密视频,侵犯隐私权');
  const rep = mark('某某公益法律援助中心 张律师');
  const evidence = mark('截图与哈希已由工作人员保存');
  await desk.fill('#reason', reason);
  await desk.fill('#representative', rep);
  await desk.fill('#evidence', evidence);
  await submit(desk, `form.no-print button:has-text("${t('cw.notice.preview')}")`);
  assert.equal(await desk.locator('[role="alert"]').count(), 0, 'nothing is missing');
  const text = await desk.inputValue('#notice-text');
  assert.ok(text.includes(canonical), 'the notice has the canonical link');
  assert.ok(text.includes(reason), 'the notice has the reason');
  assert.ok(text.includes(rep), 'the representative stands in for the requester');
  assert.ok(!text.includes(A.name), 'no consent: the requester is not named');

  const ticket = mark('DY-TICKET');
  await desk.fill('form[method="post"] input[name="ticket"]', ticket);
  const res = await submit(desk, `button.primary:has-text("${t('cw.notice.mark_sent')}")`);
  assert.equal(res.status(), 200);
  assert.equal(new URL(desk.url()).pathname, `/staff/cases/${A.case}`);
  assert.equal(await stateOf(desk, ids.onA), 'notice_sent');
  const section = desk.locator(`#target-${ids.onA}`);
  assert.match(await section.textContent(), new RegExp(`${t('cw.due')} \\d{4}-\\d{2}-\\d{2}`));
  const summary = await section.locator('details summary').textContent();
  assert.match(summary, new RegExp(t('cw.notice.sent')));
  assert.match(summary, new RegExp(`${t('cw.ticket')} ${ticket}`));
  assert.ok((await section.locator('details pre.notice-text').textContent()).includes(reason), 'the notice is kept as sent');
});

test('a transition the table forbids is refused with 409 and the error shown', async () => {
  await openCase(desk, B.case);
  ids.onB = Number((await desk.getAttribute('section.target', 'id')).replace('target-', ''));
  await move(desk, ids.onB, 'in_review');
  const select = `#target-${ids.onB} form.transition select[name="to"]`;
  const offered = await desk.$$eval(`${select} option`, (os) => os.map((o) => o.value));
  assert.ok(!offered.includes('removed'), 'removed is not offered from in_review');
  await desk.$eval(select, (s) => {
    s.add(new Option('removed', 'removed'));
    s.value = 'removed';
  });
  const res = await submit(desk, `#target-${ids.onB} form.transition button[type="submit"]`);
  assert.equal(res.status(), 409);
  assert.match(await desk.textContent('[role="alert"]'), new RegExp(t('error.transition')));
  assert.equal(await stateOf(desk, ids.onB), 'in_review', 'nothing changed');
});

test('offline copy: a visit needs two different staff; planned with cw1 and cw2', async () => {
  await openCase(desk, A.case);
  await move(desk, ids.offA, 'in_review');
  const form = `#target-${ids.offA} form.visit`;
  await desk.fill(`${form} input[name="planned_at"]`, '2031-05-01T10:00');
  await desk.fill(`${form} input[name="place"]`, A.where);
  await desk.selectOption(`${form} select[name="staff_a"]`, 'cw1');
  await desk.selectOption(`${form} select[name="staff_b"]`, 'cw1');
  const same = await submit(desk, `${form} button[type="submit"]`);
  assert.equal(same.status(), 422);
  assert.match(await desk.textContent('[role="alert"]'), new RegExp(t('error.invalid')));
  assert.equal((await desk.textContent('[role="alert"] .field-name')).trim(), t('cw.fieldname.staff_b'), 'the second person is at fault');
  assert.equal(await stateOf(desk, ids.offA), 'in_review');

  await desk.fill(`${form} input[name="planned_at"]`, '2031-05-01T10:00');
  await desk.fill(`${form} input[name="place"]`, A.where);
  await desk.selectOption(`${form} select[name="staff_a"]`, 'cw1');
  await desk.selectOption(`${form} select[name="staff_b"]`, 'cw2');
  const ok = await submit(desk, `${form} button[type="submit"]`);
  assert.equal(ok.status(), 200);
  assert.equal(await stateOf(desk, ids.offA), 'visit_planned');
});

test('the visit sheet carries the holder, the place and the two staff, never the requester', async () => {
  await openCase(desk, A.case);
  if ((await stateOf(desk, ids.offA)) === 'reported') await move(desk, ids.offA, 'in_review');
  const sheet = async () => {
    await Promise.all([desk.waitForURL(`**/staff/targets/${ids.offA}/visit-sheet`),
      desk.click(`#target-${ids.offA} a[href="/staff/targets/${ids.offA}/visit-sheet"]`)]);
    assert.equal(await desk.textContent('h1'), t('cw.visit.title'));
    const html = await desk.content();
    for (const secret of [A.description, A.name, A.phone])
      assert.ok(!html.includes(secret), `the sheet does not carry ${secret}`);
    return desk.locator('main dl.facts dd').allTextContents();
  };
  // Before any visit: the holder and where the copies are.
  let facts = await sheet();
  assert.ok(facts.includes(A.holder), 'the holder');
  assert.ok(facts.includes(A.where), 'where the copies are');

  await openCase(desk, A.case);
  if ((await stateOf(desk, ids.offA)) !== 'visit_planned') {
    // The page form cannot plan a visit (the test above): plan it with the JSON API from the page,
    // so the sheet itself is still checked once the API takes the visit's fields.
    const csrf = await desk.getAttribute('#assign input[name="csrf"]', 'value');
    const r = await desk.evaluate(async ({ id, csrf, place }) => {
      const res = await fetch(`/api/v1/staff/targets/${id}/transition`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ to: 'visit_planned', planned_at: '2031-05-01T10:00', place, staff_a: 'cw1', staff_b: 'cw2' }),
      });
      return { status: res.status, text: await res.text() };
    }, { id: ids.offA, csrf, place: A.where });
    assert.equal(r.status, 200, 'the API plans the visit: ' + r.text);
    await openCase(desk, A.case);
  }
  assert.equal(await stateOf(desk, ids.offA), 'visit_planned');
  facts = await sheet();
  assert.ok(facts.includes(A.holder), 'the holder');
  assert.ok(facts.filter((f) => f === A.where).length >= 2, 'where the copies are, and the place of the visit');
  assert.ok(facts.includes('cw1 · cw2'), 'the team of two: ' + facts.join(' | '));
});

test('recording the visit: deleted, statement signed, an onward link becomes a linked copy', async () => {
  await openCase(desk, A.case);
  assert.equal(await stateOf(desk, ids.offA), 'visit_planned');
  const before = await desk.locator('section.target').count();
  const form = `#target-${ids.offA} form.visit`;
  await desk.selectOption(`${form} select[name="to"]`, 'visited_deleted');
  await desk.fill(`${form} input[name="reason"]`, '持有人当面删除,包括最近删除和云端');
  await desk.check(`${form} input[name="statement"]`);
  await desk.fill(`${form} textarea[name="onward"]`, 'https://www.bilibili.com/video/BV1xx411c7mD');
  const res = await submit(desk, `${form} button[type="submit"]`);
  assert.equal(res.status(), 200);
  assert.equal(await stateOf(desk, ids.offA), 'visited_deleted');
  const sections = desk.locator('section.target');
  assert.equal(await sections.count(), before + 1, 'one more copy');
  const child = sections.filter({ hasText: 'bilibili.com/video/BV1xx411c7mD' });
  assert.equal(await child.count(), 1);
  assert.match(await child.textContent(), new RegExp(`${t('cw.parent')} #${ids.offA}`));
  assert.equal(await child.locator('.state').getAttribute('data-state'), 'reported');
});

test('an internal note and a message: the victim sees the message, never the note', async () => {
  await openCase(desk, A.case);
  const note = mark('内部备注:持有人态度配合');
  const message = mark('您好,我们已经向平台发出通知');
  await desk.fill('#note', note);
  assert.equal((await submit(desk, 'form[action$="/notes"] button[type="submit"]')).status(), 200);
  await desk.fill('#msg', message);
  assert.equal((await submit(desk, 'form[action$="/messages"] button[type="submit"]')).status(), 200);
  const bodies = await desk.locator('.msg-body').allTextContents();
  assert.ok(bodies.includes(note), 'the note is on the case page');
  assert.ok(bodies.includes(message), 'the message is on the case page');

  const s = await postJson('/api/v1/receipt/session', { receipt: A.receipt });
  assert.equal(s.status, 200);
  const cookie = s.cookies.map((c) => c.split(';')[0]).join('; ');
  const res = await fetch(srv.base + '/api/v1/my/case', { headers: { Cookie: cookie } });
  assert.equal(res.status, 200);
  const text = await res.text();
  const mine = JSON.parse(text);
  assert.ok(mine.messages.some((m) => m.body === message), 'the victim sees the message');
  assert.ok(!text.includes(note), 'the victim never sees the note');
});

test('the auditor sees the audit log, never a case', async () => {
  const ctx = await browser.newContext(DESK);
  const page = await signIn(ctx, 'aud1');
  assert.equal(await page.textContent('h1'), t('staff.home.title'));
  await Promise.all([page.waitForURL('**/staff/audit'), page.click('nav.staff-nav a[href="/staff/audit"]')]);
  assert.equal(await page.textContent('h1'), t('cw.audit.title'));
  const actions = await page.locator('tbody tr td:nth-child(4)').allTextContents();
  assert.ok(actions.includes('case.view'), 'case views are logged: ' + actions.join(','));
  assert.ok(actions.includes('target.transition'), 'transitions are logged');
  assert.ok(actions.includes('case.assign'), 'assignment is logged');
  const html = await page.content();
  assert.ok(!html.includes(A.description) && !html.includes(A.name), 'the log has no case content');
  const res = await page.goto(`${srv.base}/staff/cases/${A.case}`);
  assert.equal(res.status(), 403);
  assert.match(await page.textContent('h1'), /403/);
  assert.ok(!(await page.content()).includes(A.description));
  await ctx.close();
});

test('on a phone: no sideways scrolling; every control on the case page takes Tab and shows focus', async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await signIn(ctx, 'cw2');
  const overflow = () => page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: window.innerWidth }));
  let o = await overflow();
  assert.ok(o.sw <= o.w + 1, `the queue fits the phone (${o.sw} > ${o.w})`);
  await openCase(page, A.case);
  o = await overflow();
  assert.ok(o.sw <= o.w + 1, `the case page fits the phone (${o.sw} > ${o.w})`);

  const keyOf = (el) => (el.type === 'radio' ? 'radio:' + el.name : (el.form?.action || '') + '|' + (el.id || el.name + ':' + el.value));
  const controls = await page.evaluate((src) => {
    const keyOf = eval(src);
    const stops = new Set();
    for (const el of document.querySelectorAll('main input, main select, main textarea, main button')) {
      if (el.type === 'hidden' || el.disabled || el.offsetParent === null) continue;
      stops.add(keyOf(el));
    }
    return [...stops];
  }, keyOf.toString());
  assert.ok(controls.length > 10, 'the case page has its forms');
  const seen = new Set();
  const noOutline = [];
  for (let i = 0; i < controls.length + 40 && seen.size < controls.length; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate((src) => {
      const keyOf = eval(src);
      const el = document.activeElement;
      if (!el || !el.closest('main') || !el.matches('input, select, textarea, button')) return null;
      return { key: keyOf(el), outline: getComputedStyle(el).outlineStyle };
    }, keyOf.toString());
    if (info) {
      if (info.outline === 'none') noOutline.push(info.key);
      seen.add(info.key);
    }
  }
  assert.deepEqual(noOutline, [], 'every control shows focus');
  const missed = controls.filter((k) => !seen.has(k));
  assert.deepEqual(missed, [], `reached ${seen.size} of ${controls.length} controls by Tab`);
  await ctx.close();
});

test('in English the case page speaks English', async () => {
  const ctx = await browser.newContext({ ...DESK, locale: 'en-US' });
  const page = await signIn(ctx, 'cw2');
  await openCase(page, A.case);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  const h2 = (await page.locator('main h2').allTextContents()).map((s) => s.trim());
  for (const h of ['The request', 'Copies', 'Timeline']) assert.ok(h2.includes(h), `${h} in ${h2.join(' | ')}`);
  assert.match(await page.textContent('h1'), /^Case /);
  await ctx.close();
});
