// Issue 13, items 7, 8, 9, 10 and 12, in a real browser (Debian's Chromium): the victim's status
// page leads with what matters, the receipt card names the site and has no dead buttons, the
// staff pages show no raw codes, the actions fit the copy, and the queue says what is due.
// Every page state is audited with axe-core (any impact fails) and kept as a screenshot, at
// 390x844 (a phone) and 1366x900, in Chinese and English, and victim pages also without
// JavaScript. The service's clock is frozen (--debug-routes), so "due in"/"overdue by" are exact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, ctl, tempDir, I18N } from '../http/lib.mjs';
import { launch } from './browser.mjs';
import { assertAccessible, screenshot } from './audit.mjs';

const t = (key, lang) => {
  const v = I18N[lang][key];
  assert.ok(typeof v === 'string', `i18n key ${key} exists in ${lang}`);
  return v;
};
// A text with each "{}" replaced in turn.
const fill = (text, ...values) => values.reduce((s, v) => s.replace('{}', String(v)), text);

const VIEWS = [
  { name: 'phone', opts: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
  { name: 'desk', opts: { viewport: { width: 1366, height: 900 } } },
];
const LANGS = [
  { lang: 'zh-CN', tag: 'zh', locale: 'zh-CN' },
  { lang: 'en', tag: 'en', locale: 'en-US' },
];
// Every view and language (and, for victim pages, JavaScript on and off).
const combos = (withJs) => VIEWS.flatMap((v) => LANGS.flatMap((l) =>
  (withJs ? [true, false] : [true]).map((js) => ({ ...v, ...l, js }))));
const label = (part, c) => `ux-staff-${part}-${c.name}-${c.tag}${c.js ? "" : "-nojs"}`;

let srv, browser;
const pw = {};
let addrN = 0;
const nextAddr = () => `10.88.${++addrN >> 8}.${addrN & 255}`;
const HOUR = 3600;

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
const asStaff = (login, method, p, json) =>
  call(method, p, { json: json ?? (method === 'GET' ? undefined : {}), cookie: staff[login].cookie, csrf: staff[login].csrf, xff: '10.99.1.1' });

async function move(tid, to, fields = {}) {
  const r = await asStaff('cw1', 'POST', `/api/v1/staff/targets/${tid}/transition`, { to, ...fields });
  assert.equal(r.status, 200, `#${tid} -> ${to}: ${r.text}`);
}
const NOTICE = { reason: '未经同意发布私密视频', evidence: '截图已由工作人员保存', channel: 'web form' };
const clock = (q) => call('POST', `/debug/clock?${q}`, { json: {} });

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

const D = {}; // the cases the tests look at

before(async () => {
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
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  srv?.cleanup();
});

async function newPage(c) {
  const ctx = await browser.newContext({ ...c.opts, locale: c.locale, javaScriptEnabled: c.js, extraHTTPHeaders: { 'X-Forwarded-For': nextAddr() } });
  return { ctx, page: await ctx.newPage() };
}

async function staffPage(c, login = 'cw1') {
  const { ctx, page } = await newPage(c);
  await page.goto(srv.base + '/staff/login');
  await page.fill('#login', login);
  await page.fill('#password', pw[login]);
  await Promise.all([page.waitForURL('**/staff'), page.click('button[type="submit"].primary')]);
  return { ctx, page };
}

// Audited and kept as a screenshot; the page must not scroll sideways either.
async function check(page, name) {
  const o = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: window.innerWidth }));
  assert.ok(o.sw <= o.w + 1, `${name}: no sideways scroll (${o.sw} > ${o.w})`);
  await assertAccessible(page, name);
  await screenshot(page, name);
}

// ---- 9: no raw codes ----

const ALL_LANGS = [
  // states with an underscore, routes, fields, elements: a code in any language
  /\b(in_review|notice_sent|needs_info|counter_noticed|verified_gone|visit_planned|closed_unresolved|visited_deleted|visited_sealed|visited_refused)\b/,
  /\b(cn_complaint|us_take_it_down|eu_dsa|au_esafety|offline_visit|counter_notice)\b/,
  /\b(staff_a|staff_b|planned_at|clock_hours|good_faith|two_staff|walk_in)\b/,
  // platform ids (not inside a domain name), in lower case: the words are "Douyin", "抖音"...
  /(?<![.\w])(douyin|weibo|bilibili|kuaishou|xiaohongshu|wechat_channels)(?![.\w])/,
  // a translation key printed because its text is missing
  /\b(cw|platform|incident|report|victim|preservation|my)\.[a-z_]+(\.[a-z_]+)?\b/,
];
const ZH_ONLY = [
  // in Chinese pages, any of these English words is a code that was not translated
  /\b(reported|ready|acknowledged|rejected|escalated|removed|monitoring|declined|restricted|restored|upheld|unreachable|withdrawn|closed)\b/,
  /\b(intimate|deepfake|harassment|crime|accident|hotline|online|offline|web|phone|email|fingerprint|sealed_copy|police|caseworker|admin|auditor|reason|identity|evidence)\b/,
];

// The page's visible words, without what people typed or pasted (links, codes, notice text).
const visibleWords = (page, { dropAuditActions = false } = {}) => page.evaluate((drop) => {
  const main = document.querySelector('main').cloneNode(true);
  const sel = 'code, pre, textarea, .msg-body, a[href^="http"], .break, script' + (drop ? ', td:nth-child(4)' : '');
  for (const el of main.querySelectorAll(sel)) el.remove();
  for (const el of main.querySelectorAll('option, input, select')) el.replaceWith(' ' + (el.textContent || '') + ' ');
  return main.textContent.replace(/\s+/g, ' ');
}, dropAuditActions);

async function assertNoCodes(page, lang, where, opts) {
  const text = await visibleWords(page, opts);
  for (const re of [...ALL_LANGS, ...(lang === 'zh-CN' ? ZH_ONLY : [])]) {
    const m = re.exec(text);
    assert.equal(m, null, `${where} (${lang}) shows the code "${m?.[0]}" in: …${m ? text.slice(Math.max(0, m.index - 60), m.index + 60) : ''}…`);
  }
}

test('9: the staff pages show states, kinds, platforms, routes, elements and fields in words', async () => {
  for (const c of combos(false)) {
    const { ctx, page } = await staffPage(c, 'lead');
    const lang = c.lang;
    const visit = async (path, part, opts) => {
      const res = await page.goto(srv.base + path);
      assert.ok(res.status() < 400, `${path}: ${res.status()}`);
      await assertNoCodes(page, lang, path, opts);
      await check(page, label(`staff-codes-${part}`, c));
    };
    await visit('/staff?queue=all', 'queue');
    // The filters choose platforms and routes by name, not by typed ids.
    for (const name of ['platform', 'route', 'state'])
      assert.equal(await page.locator(`form.filters select[name="${name}"]`).count(), 1, `a ${name} list`);
    assert.ok((await page.locator('form.filters select[name="platform"] option').allTextContents()).includes(t('platform.douyin', lang)));
    await visit(`/staff?queue=all&state=in_review`, 'queue-filtered');
    await visit(`/staff/cases/${D.S.case}`, 'case');
    // Each state on the case page is its words.
    for (const el of await page.locator('section.target .state').all()) {
      const code = await el.getAttribute('data-state');
      assert.equal((await el.textContent()).trim(), t(`cw.state.${code}`, lang));
    }
    await visit(`/staff/cases/${D.V.case}`, 'case-visit');
    await visit(`/staff/targets/${D.sReady}/notice?case=${D.S.case}`, 'notice-missing');
    // The notice page names what is missing in words, not "reason identity evidence".
    const missing = await page.locator('[role="alert"] ul.missing li').allTextContents();
    assert.ok(missing.includes(t('cw.element.reason', lang)), `missing: ${missing.join(' | ')}`);
    await visit(`/staff/targets/${D.vOff}/visit-sheet`, 'visit-sheet');
    await visit('/staff/incidents', 'incidents');
    await visit(`/staff/incidents/${D.incident}`, 'incident');
    await visit('/staff/platforms', 'platforms');
    assert.equal(await page.locator('form.platform-form input[name="route"]').count(), 0, 'a route is chosen, not typed');
    await visit('/staff/stats', 'stats');
    await visit('/staff/audit', 'audit', { dropAuditActions: true });
    assert.ok((await visibleWords(page)).includes(`${t('cw.state.in_review', lang)} → ${t('cw.state.ready', lang)}`), 'a transition in the audit log in words');

    // A refused visit plan names the field in words (not "字段: staff_b").
    await page.goto(`${srv.base}/staff/cases/${D.S.case}`);
    const form = `#target-${D.sOff} form.visit`;
    await page.fill(`${form} input[name="planned_at"]`, '2031-06-01T09:30');
    await page.fill(`${form} input[name="place"]`, '学校门口');
    await page.selectOption(`${form} select[name="staff_a"]`, 'cw1');
    await page.selectOption(`${form} select[name="staff_b"]`, 'cw1');
    const [res] = await Promise.all([page.waitForNavigation(), page.click(`${form} button[type="submit"]`)]);
    assert.equal(res.status(), 422);
    assert.equal((await page.textContent('[role="alert"] .field-name')).trim(), t('cw.fieldname.staff_b', lang));
    await assertNoCodes(page, lang, 'case page after a refused visit plan');
    await check(page, label('staff-codes-field-error', c));
    await ctx.close();
  }
});

// ---- 10: actions that fit the copy ----

test('10: "move to" starts empty and offers only the table\'s moves; no notice on a removed copy; visit staff from a list', async () => {
  for (const c of combos(false)) {
    const { ctx, page } = await staffPage(c);
    const lang = c.lang;
    await page.goto(`${srv.base}/staff/cases/${D.S.case}`);
    const options = (tid) => page.$$eval(`#target-${tid} form.transition:not(.visit) select[name="to"] option`,
      (os) => os.map((o) => ({ value: o.value, text: o.textContent.trim() })));
    // A removed copy: an empty first choice, then only what the table allows from "removed".
    const removed = await options(D.sRemoved);
    assert.deepEqual(removed, [
      { value: '', text: t('cw.move.choose', lang) },
      { value: 'counter_noticed', text: t('cw.state.counter_noticed', lang) },
      { value: 'verified_gone', text: t('cw.state.verified_gone', lang) },
    ]);
    assert.equal(await page.getAttribute(`#target-${D.sRemoved} form.transition select[name="to"]`, 'required'), '');
    assert.equal(await page.locator(`#target-${D.sRemoved} a[href*="/notice"]`).count(), 0, 'no notice on a removed copy');
    // A ready copy may get its notice; an offline copy never does.
    assert.equal(await page.locator(`#target-${D.sReady} a[href*="/notice"]`).count(), 1, 'a ready copy offers the notice');
    assert.deepEqual((await options(D.sReady)).map((o) => o.value), ['', 'notice_sent']);
    assert.equal(await page.locator(`#target-${D.sOff} a[href*="/notice"]`).count(), 0, 'no notice for an offline copy');
    // The visit's two staff: chosen from the enabled caseworkers and admins, never the auditor.
    for (const who of ['staff_a', 'staff_b']) {
      const sel = `#target-${D.sOff} form.visit select[name="${who}"]`;
      const logins = await page.$$eval(`${sel} option`, (os) => os.map((o) => o.value));
      assert.deepEqual(logins, ['', 'cw1', 'cw2', 'lead']);
      assert.equal(await page.getAttribute(sel, 'required'), '');
    }
    assert.equal(await page.locator('input[name="staff_a"], input[name="staff_b"]').count(), 0, 'no typed logins');
    await check(page, label('staff-actions-case', c));

    // A stray click sends nothing: the browser requires a choice, and the server refuses an
    // empty one with words (the required attribute taken off to send it anyway).
    const sel = `#target-${D.sRemoved} form.transition:not(.visit)`;
    await page.$eval(`${sel} select[name="to"]`, (s) => s.removeAttribute('required'));
    const [res] = await Promise.all([page.waitForNavigation(), page.click(`${sel} button[type="submit"]`)]);
    assert.equal(res.status(), 422);
    assert.equal((await page.textContent('[role="alert"]')).trim(), t('cw.move.choose_first', lang));
    assert.equal(await page.getAttribute(`#target-${D.sRemoved} .state`, 'data-state'), 'removed', 'nothing moved');
    await check(page, label('staff-actions-empty-move', c));
    await ctx.close();
  }
});

// ---- 12: the queue says what is due, and sorts ----

test('12: every queue row says what is due next, relative to the clock; the deadline column sorts both ways', async () => {
  // V's weibo notice runs 72 h from when it was sent (the clock has moved a few minutes since).
  const fresh = await asStaff('cw1', 'GET', `/api/v1/staff/cases/${D.V.case}`);
  const due = fresh.body.targets.find((x) => x.state === 'notice_sent').due_at;
  const now = (await clock('seconds=0')).body.now;
  for (const c of combos(false)) {
    const { ctx, page } = await staffPage(c);
    const lang = c.lang;
    const rowOf = (id) => page.locator('table.queue tbody tr', { has: page.locator(`a[href="/staff/cases/${id}"]`) });
    await page.goto(`${srv.base}/staff?queue=all`);
    const hours = Math.floor((due - now) / HOUR);
    const inWords = hours < 48 ? fill(t('cw.span.hours', lang), hours) : fill(t('cw.span.days', lang), Math.floor((due - now) / 86400));
    assert.match(await rowOf(D.V.case).locator('td.next-step').textContent(), new RegExp(fill(t('cw.due.in', lang), inWords).replace(/[()]/g, '\\$&')));
    assert.match(await rowOf(D.N.case).locator('td.next-step').textContent(), new RegExp(t('cw.due.new_review', lang)));
    for (const row of await page.locator('table.queue tbody tr').all())
      assert.ok((await row.locator('td.next-step').textContent()).trim().length > 1, 'every row says what is next');
    const th = page.locator('table.queue th[aria-sort]');
    assert.equal(await th.getAttribute('aria-sort'), 'ascending');
    const order = async () => (await page.locator('table.queue tbody tr td:first-child a').allTextContents()).map((s) => s.trim());
    const asc = await order();
    await check(page, label('staff-queue-due', c));
    await Promise.all([page.waitForURL(/sort=-due/), th.locator('a').click()]);
    assert.equal(await page.getAttribute('table.queue th[aria-sort]', 'aria-sort'), 'descending');
    const desc = await order();
    // At-risk cases stay first; within each part the order is reversed.
    const urgent = [D.S.case];
    assert.deepEqual(desc.filter((id) => urgent.includes(id)), asc.filter((id) => urgent.includes(id)));
    assert.deepEqual(desc.filter((id) => !urgent.includes(id)), asc.filter((id) => !urgent.includes(id)).reverse());
    await check(page, label('staff-queue-sorted', c));
    // The keyset pages follow the order: one row a page, the same cases in the same order.
    for (const [sort, want] of [['due', asc], ['-due', desc]]) {
      const seen = [];
      await page.goto(`${srv.base}/staff?queue=all&sort=${sort}&limit=1`);
      for (let i = 0; i < want.length + 2; i++) {
        seen.push(...(await order()));
        const more = page.locator('main a.button[href*="cursor="]');
        if (!(await more.count())) break;
        assert.match(await more.getAttribute('href'), new RegExp(`sort=${sort.replace('-', '\\-')}&`));
        await Promise.all([page.waitForNavigation(), more.click()]);
      }
      assert.deepEqual(seen, want, `paged by ${sort}`);
    }
    await ctx.close();
  }
  // Past the deadline by 2 h: "overdue by 2 h".
  await clock(`seconds=${due - now + 2 * HOUR}`);
  for (const c of combos(false)) {
    const { ctx, page } = await staffPage(c);
    await page.goto(`${srv.base}/staff?queue=overdue`);
    const row = page.locator('table.queue tbody tr', { has: page.locator(`a[href="/staff/cases/${D.V.case}"]`) });
    assert.match(await row.locator('td.next-step .badge.late').textContent(), new RegExp(fill(t('cw.due.overdue_by', c.lang), fill(t('cw.span.hours', c.lang), 2))));
    await check(page, label('staff-queue-overdue', c));
    await ctx.close();
  }
  await clock(`seconds=${-(due - now + 2 * HOUR)}`);
});

// ---- 7: the victim's status page ----

async function victimPage(c, receipt) {
  const { ctx, page } = await newPage(c);
  await page.goto(srv.base + '/follow-up');
  await page.fill('input[name="receipt"]', receipt);
  await Promise.all([page.waitForURL('**/my**'), page.click('main button[type="submit"]')]);
  return { ctx, page };
}

test('7: /my leads with "n of m copies removed", newest messages first and new ones marked, adding folded, visits not platform deadlines', async () => {
  for (const c of combos(true)) {
    const { ctx, page } = await victimPage(c, D.V.receipt);
    const lang = c.lang;
    // The first thing under the title: the summary (removed counts; the others do not).
    const first = await page.evaluate(() => {
      const h1 = document.querySelector('main h1');
      let el = h1.nextElementSibling;
      while (el && el.matches('[role="status"], [role="alert"]')) el = el.nextElementSibling;
      return el?.id || el?.className;
    });
    assert.equal(first, 'summary');
    assert.equal((await page.textContent('#summary')).trim(), fill(t('my.summary', lang), 1, 3));
    // Messages: newest first, the two answers after the victim's own message marked as new.
    const metas = await page.locator('.msg').evaluateAll((ms) => ms.map((m) => ({ new: m.classList.contains('new'), body: m.querySelector('.msg-body').textContent })));
    assert.deepEqual(metas.map((m) => m.body), ['第二条回复:抖音已删除', '第一条回复:已向抖音发出通知', '请问进展如何?']);
    assert.deepEqual(metas.map((m) => m.new), [true, true, false]);
    assert.match(await page.textContent('.new-messages'), new RegExp(fill(t('my.messages.new_count', lang), 2).replace(/[()]/g, '\\$&')));
    // The add-copies form is folded away, and opens.
    assert.equal(await page.getAttribute('details#add', 'open'), null);
    assert.equal(await page.isVisible('details#add form'), false);
    // The offline copy speaks of the visit, never of a platform's answer.
    const offline = page.locator('li.copy', { hasText: t('my.offline_copy', lang) });
    const help = await offline.locator('p.help').textContent();
    const platformWords = t('my.due', lang).split('{}')[0];
    assert.ok(!help.includes(platformWords), `offline copy: ${help}`);
    assert.ok(help.includes(t('my.visit_planned_for', lang).split('{}')[0]), `offline copy: ${help}`);
    const online = page.locator('li.copy', { hasText: t('platform.weibo', lang) });
    assert.ok((await online.locator('p.help').textContent()).includes(platformWords), 'the online copy waits on the platform');
    await check(page, label('victim-status', c));
    await page.click('details#add > summary');
    assert.equal(await page.isVisible('details#add form'), true);
    await check(page, label('victim-status-add-open', c));
    await ctx.close();
  }
});

// ---- 8: the receipt card ----

async function receiptPage(c) {
  const { ctx, page } = await newPage(c);
  await page.goto(srv.base + '/report');
  const csrf = await page.getAttribute('form input[name="csrf"]', 'value');
  const r = await ctx.request.post(srv.base + '/report', {
    maxRedirects: 0,
    multipart: {
      csrf, language: c.lang, 'requester.role': 'self', 'incident.type': 'intimate',
      'targets[0].kind': 'online', 'targets[0].url': `https://www.douyin.com/video/73022222222222${String(addrN).padStart(5, '0')}`,
      'requester.contact.channel': 'none', 'consent.preservation': 'none', good_faith: 'on', signature: 'me',
    },
  });
  assert.equal(r.status(), 303, (await r.text()).slice(0, 400));
  await page.goto(srv.base + '/report/receipt');
  return { ctx, page };
}

test('8: the receipt card names the site; no dead Print button without JavaScript; copying warns first', async () => {
  for (const c of combos(true)) {
    const { ctx, page } = await receiptPage(c);
    const lang = c.lang;
    assert.equal(await page.textContent('h1'), t('receipt.title', lang));
    assert.equal((await page.textContent('.receipt-card .site-address')).trim(), srv.base, 'the card names the address the person used');
    assert.equal(await page.isVisible('#print-receipt'), c.js, 'Print only where it works');
    assert.equal(await page.isVisible('#copy-receipt'), c.js, 'Copy only with JavaScript');
    assert.equal(await page.isVisible('#copy-warning'), false);
    await check(page, label('victim-receipt', c));
    if (c.js) {
      await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
      await page.evaluate(() => navigator.clipboard.writeText('untouched'));
      await page.click('#copy-receipt');
      assert.equal(await page.isVisible('#copy-warning'), true, 'the warning comes first');
      assert.equal(await page.getAttribute('#copy-receipt', 'aria-expanded'), 'true');
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'untouched', 'nothing copied before the warning is accepted');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'copy-confirm');
      await check(page, label('victim-receipt-copy-warning', c));
      await page.click('#copy-confirm');
      await page.waitForFunction(() => document.getElementById('copy-status').textContent.length > 0);
      const code = (await page.textContent('.receipt-code')).trim();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
      assert.equal((await page.textContent('#copy-status')).trim(), t('receipt.copy.done', lang));
      assert.equal(await page.isVisible('#copy-warning'), false);
    }
    await ctx.close();
  }
});
