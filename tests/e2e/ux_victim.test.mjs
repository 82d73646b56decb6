// The report form as a frightened person on a phone lives it (issue 13, items 1-6): every state
// below is checked at 390x844 (a phone) and 1366x900, in Chinese and English, with JavaScript on
// and off; each state is audited by axe-core (any impact) and kept as a screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ctl, tempDir, I18N } from '../http/lib.mjs';
import { launch } from './browser.mjs';
import { assertAccessible, screenshot } from './audit.mjs';

let srv, limited, browser;
let nextIp = 1;
const addr = () => `198.51.${100 + Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`;

const VIEWS = [
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  { name: 'desk', viewport: { width: 1366, height: 900 } },
];
const LANGS = [
  { code: 'zh-CN', short: 'zh', locale: 'zh-CN' },
  { code: 'en', short: 'en', locale: 'en-US' },
];
// Every combination: view x language x JavaScript.
const COMBOS = [];
for (const view of VIEWS)
  for (const lang of LANGS)
    for (const js of [true, false])
      COMBOS.push({ view, lang, js, tag: `${lang.short}-${view.name}-${js ? 'js' : 'nojs'}` });

const t = (lang, key) => {
  const s = I18N[lang][key];
  assert.ok(s, `i18n key ${key} in ${lang}`);
  return s;
};

// One tiny PNG, for the screenshots field.
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
  + '1f15c4890000000d49444154789c6360f8cf0000000301010018dd8db40000000049454e44ae426082', 'hex');

before(async () => {
  const dir = tempDir();
  const pw = 'e2e-admin-password';
  const r = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw, pw]);
  assert.equal(r.status, 0, r.stderr);
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy'] });
  // One accepted report per address before the wait; its clock is moved by the test.
  const dir2 = tempDir();
  const r2 = ctl(['init', '--data-dir', dir2, '--admin', 'admin'], [pw, pw]);
  assert.equal(r2.status, 0, r2.stderr);
  limited = await startServer({ dataDir: dir2, args: ['--trust-proxy', '--debug-routes', '--submit-per-address', '1'] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const s of [srv, limited]) {
    await s?.stop();
    s?.cleanup();
  }
});

async function open(combo, server = srv, ip = addr()) {
  const ctx = await browser.newContext({
    ...combo.view, locale: combo.lang.locale, javaScriptEnabled: combo.js,
    extraHTTPHeaders: { 'X-Forwarded-For': ip },
  });
  const page = await ctx.newPage();
  await page.goto(server.base + '/report');
  return { ctx, page };
}

async function audit(page, state, combo) {
  await assertAccessible(page, `${state} ${combo.tag}`);
  await screenshot(page, `victim-report-${state}-${combo.tag}`);
}

// A click that submits the form: waits for the answer's page when JavaScript cannot intercept it.
async function submitBy(page, selector) {
  const [res] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return res;
}

const focusedId = (page) => page.evaluate(() => document.activeElement?.id || '');

// Opens every folded part (the no-JS user does the same by clicking its summary).
async function unfold(page) {
  const closed = page.locator('details:not([open]) > summary');
  for (let n = await closed.count(); n > 0; n--) await closed.first().click();
  assert.equal(await closed.count(), 0);
}

// The smallest report that is accepted.
async function fillValid(page, url = 'https://weibo.com/u/123/abc') {
  await page.check('input[name="requester.role"][value="self"]');
  await page.selectOption('#f-incident_type', 'intimate');
  await page.fill('#f-targets_0_url', url);
  await page.check('input[name="good_faith"]');
  await page.fill('#f-signature', '小林');
}

test('the form shows its steps, the time it takes, folded optional parts, "prefer not to say" and a support line', async () => {
  for (const combo of COMBOS) {
    const { ctx, page } = await open(combo);
    const L = combo.lang.code;
    assert.equal(await page.getAttribute('html', 'lang'), L);
    const toc = page.locator('nav.report-steps');
    assert.equal(await toc.locator('li a').count(), 6, 'a contents list of six steps');
    assert.match(await toc.textContent(), new RegExp(t(L, 'report.steps.time').slice(0, 6)));
    const headings = await page.locator('main section.step > h2').allTextContents();
    assert.equal(headings.length, 6);
    for (let i = 0; i < 6; i++)
      assert.ok(headings[i].includes(t(L, 'report.steps.progress').replace('{}', String(i + 1))), `step ${i + 1}: ${headings[i]}`);
    const folded = page.locator('details.optional');
    assert.ok((await folded.count()) >= 2, 'optional parts can be folded away');
    for (const d of await folded.all()) assert.equal(await d.getAttribute('open'), null, 'folded on a fresh form');
    assert.equal(await page.locator('#f-incident_type option[value="prefer_not_to_say"]').count(), 1);
    assert.match(await page.textContent('#self-harm-support'), L === 'zh-CN' ? /12356/ : /crisis line/);
    assert.equal(await page.isVisible('#self-harm-support'), true);
    await audit(page, 'fresh', combo);
    await unfold(page);
    await audit(page, 'unfolded', combo);
    await ctx.close();
  }
});

test('errors say what and where, per row; focus is on the summary; each invalid field is marked and described', async () => {
  for (const combo of COMBOS) {
    const { ctx, page } = await open(combo);
    const L = combo.lang.code;
    await page.fill('#f-targets_0_url', 'https://weibo.com/u/1/ok');
    if (combo.js) await page.click('button[value="add_online"]');
    else await submitBy(page, 'button[value="add_online"]');
    const urls = page.locator('input[name$="].url"]');
    assert.equal(await urls.count(), 2);
    await urls.last().fill('weibo');
    await submitBy(page, 'button.primary[type="submit"]');
    const summary = page.locator('#error-summary');
    assert.equal(await focusedId(page), 'error-summary', 'focus moved to the summary');
    const text = await summary.textContent();
    const row = t(L, 'row.online').replace('{}', L === 'en' ? '2nd' : '2');
    // "2nd link: this is not a link we can read; paste the whole link, for example https://weibo.com/…"
    assert.ok(text.includes(`${row}${t(L, 'form.errors.sep')}${t(L, 'field.url.invalid')}`), text);
    assert.match(t(L, 'field.url.invalid'), /https:\/\/weibo\.com\/…/);
    // Every link of the summary leads to a field that says it is invalid and why.
    const anchors = await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href').slice(1)));
    assert.ok(anchors.length >= 4, anchors.join());
    for (const id of anchors) {
      const info = await page.evaluate((id) => {
        const el = document.getElementById(id);
        const field = el && (el.matches('input, select, textarea') ? el : el.querySelector('input, select, textarea'));
        if (!field) return null;
        const ids = (field.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
        return { invalid: field.getAttribute('aria-invalid'),
                 described: ids.map((i) => document.getElementById(i)?.textContent || '').join(' ') };
      }, id);
      assert.ok(info, `#${id} is a field`);
      assert.equal(info.invalid, 'true', `#${id} aria-invalid`);
      assert.ok(info.described.trim().length > 0, `#${id} described by its message`);
    }
    // The second link's own message names the example too.
    assert.equal(await page.inputValue('#f-targets_1_url'), 'weibo', 'what was typed is kept');
    await audit(page, 'errors', combo);
    await ctx.close();
  }
});

test('"add another link / offline copy" lands on the new row with focus in it, nothing typed lost', async () => {
  for (const combo of COMBOS) {
    const { ctx, page } = await open(combo);
    const L = combo.lang.code;
    await page.fill('#f-targets_0_url', 'https://weibo.com/u/1/first');
    await unfold(page);
    await page.fill('#f-description', '有人转发');
    await page.setInputFiles('#screenshots', { name: 'a.png', mimeType: 'image/png', buffer: PNG });
    if (combo.js) await page.evaluate(() => { window.__stay = 1; });
    await page.click('button[value="add_online"]');
    if (!combo.js) {
      await page.waitForURL(/#added$/);
      assert.ok(await page.textContent('main').then((s) => s.includes(t(L, 'upload.choose_again'))), 'says screenshots are chosen again');
    } else {
      assert.equal(await page.evaluate(() => window.__stay), 1, 'added in place, no page load');
      assert.equal(await page.evaluate(() => document.getElementById('screenshots').files.length), 1, 'chosen screenshots kept');
    }
    const focused = await page.evaluate(() => document.activeElement?.name || '');
    assert.match(focused, /^targets\[\d+\]\.url$/, `focus in the new row (${combo.tag})`);
    assert.notEqual(focused, 'targets[0].url');
    assert.equal(await page.inputValue('#f-targets_0_url'), 'https://weibo.com/u/1/first');
    assert.equal(await page.inputValue('#f-description'), '有人转发');
    await audit(page, 'added-link', combo);
    await page.click('button[value="add_offline"]');
    if (!combo.js) await page.waitForURL(/#added$/);
    const off = await page.evaluate(() => document.activeElement?.name || '');
    assert.match(off, /^targets\[\d+\]\.holder$/, 'focus in the new offline row');
    assert.equal(await page.inputValue('#f-targets_0_url'), 'https://weibo.com/u/1/first');
    await audit(page, 'added-offline', combo);
    await ctx.close();
  }
});

test('switching language keeps what was typed, and shows no errors', async () => {
  for (const combo of COMBOS) {
    const { ctx, page } = await open(combo);
    const L = combo.lang.code;
    const other = L === 'en' ? 'zh-CN' : 'en';
    await page.check('input[name="requester.role"][value="guardian"]');
    await page.fill('#f-targets_0_url', 'https://weibo.com/u/1/kept');
    await page.check('input[name="requester.contact.channel"][value="phone"]');
    await page.fill('#f-contact_phone', '138 0000 0000');
    await page.fill('#f-signature', '小林');
    await submitBy(page, `button[name="switch_lang"][value="${other}"]`);
    assert.equal(await page.getAttribute('html', 'lang'), other);
    assert.equal(new URL(page.url()).pathname, '/report');
    assert.equal(await page.isChecked('input[name="requester.role"][value="guardian"]'), true);
    assert.equal(await page.inputValue('#f-targets_0_url'), 'https://weibo.com/u/1/kept');
    assert.equal(await page.inputValue('#f-contact_phone'), '138 0000 0000');
    assert.equal(await page.inputValue('#f-signature'), '小林');
    assert.equal(await page.locator('#error-summary, .field-error').count(), 0, 'no validation errors');
    await audit(page, 'lang-switched', combo);
    // The choice sticks: a fresh form comes in the new language.
    await page.goto(srv.base + '/report');
    assert.equal(await page.getAttribute('html', 'lang'), other);
    await ctx.close();
  }
});

test('contact is one question; only the matching fields show; the server checks them', async () => {
  for (const combo of COMBOS) {
    const { ctx, page } = await open(combo);
    const L = combo.lang.code;
    const shown = async () => ({
      phone: await page.isVisible('#f-contact_phone'), email: await page.isVisible('#f-contact_email'),
      trusted: await page.isVisible('#f-requester_contact_trusted_name'),
      code: await page.isVisible('#f-requester_contact_code_word'),
    });
    assert.deepEqual(await shown(), { phone: false, email: false, trusted: false, code: false }, 'nothing before a choice');
    await page.check('input[name="requester.contact.channel"][value="sms"]');
    assert.deepEqual(await shown(), { phone: true, email: false, trusted: false, code: false });
    await page.check('input[name="requester.contact.channel"][value="email"]');
    assert.deepEqual(await shown(), { phone: false, email: true, trusted: false, code: false });
    await page.check('input[name="requester.contact.channel"][value="trusted"]');
    assert.deepEqual(await shown(), { phone: false, email: false, trusted: true, code: true });
    await page.check('input[name="requester.contact.channel"][value="phone"]');
    assert.deepEqual(await shown(), { phone: true, email: false, trusted: false, code: true });
    await audit(page, 'contact-phone', combo);
    await fillValid(page);
    await submitBy(page, 'button.primary[type="submit"]');
    assert.equal(await page.getAttribute('#f-contact_phone', 'aria-invalid'), 'true', 'a phone is needed');
    assert.match(await page.textContent('#error-summary'), new RegExp(t(L, 'field.contact_phone.required').slice(0, 4)));
    await page.fill('#f-contact_phone', '+86 138 0000 0000');
    await page.fill('#f-requester_contact_code_word', '蓝色');
    await page.fill('#f-requester_contact_safe_hours', '工作日 9-17 点');
    await page.check('input[name="requester.contact.may_leave_message"][value="no"]');
    await audit(page, 'contact-error', combo);
    await submitBy(page, 'button.primary[type="submit"]');
    assert.match((await page.textContent('.receipt-code')).trim(), /^\d{4} \d{4} \d{4} \d{4} \d{4}$/);
    await ctx.close();
  }
});

test('a limit never throws a form away: only accepted reports count; limited, the form comes back with "in N minutes"', async () => {
  for (const combo of COMBOS) {
    const ip = addr();
    const { ctx, page } = await open(combo, limited, ip);
    const L = combo.lang.code;
    // Refused reports do not count: three invalid sends, then the one accepted report passes.
    for (let i = 0; i < 3; i++) {
      const r = await submitBy(page, 'button.primary[type="submit"]');
      assert.equal(r.status(), 422, `invalid send ${i + 1}`);
    }
    await fillValid(page);
    const ok = await submitBy(page, 'button.primary[type="submit"]');
    assert.equal(ok.status(), 201, 'the 1st accepted report passes');
    // The next one from this address is limited: the form comes back filled.
    await page.goto(limited.base + '/report');
    await fillValid(page, 'https://weibo.com/u/2/second');
    await unfold(page);
    await page.fill('#f-description', '第二次');
    await page.setInputFiles('#screenshots', { name: 'a.png', mimeType: 'image/png', buffer: PNG });
    const res = await submitBy(page, 'button.primary[type="submit"]');
    assert.equal(res.status(), 429, 'the 2nd accepted report is limited');
    assert.ok(Number(await res.headerValue('retry-after')) >= 1, 'Retry-After');
    assert.equal(await page.inputValue('#f-targets_0_url'), 'https://weibo.com/u/2/second');
    assert.equal(await page.inputValue('#f-description'), '第二次');
    assert.equal(await page.inputValue('#f-signature'), '小林');
    assert.equal(await page.isChecked('input[name="good_faith"]'), true);
    const alert = await page.textContent('#limit-alert');
    assert.ok(alert.includes(t(L, 'report.limit.minutes_1')), alert);
    assert.ok((await page.textContent('main')).includes(t(L, 'upload.choose_again')), 'screenshots must be chosen again');
    await audit(page, 'limited', combo);
    // Half a minute on: still one minute to wait. A minute on: it goes through.
    assert.equal((await fetch(limited.base + '/debug/clock?seconds=30', { method: 'POST' })).status, 200);
    const again = await submitBy(page, 'button.primary[type="submit"]');
    assert.equal(again.status(), 429);
    assert.ok((await page.textContent('#limit-alert')).includes(t(L, 'report.limit.minutes_1')));
    assert.equal((await fetch(limited.base + '/debug/clock?seconds=31', { method: 'POST' })).status, 200);
    const through = await submitBy(page, 'button.primary[type="submit"]');
    assert.equal(through.status(), 201, 'after the wait the same filled form is accepted');
    await ctx.close();
  }
});

test('a wrong receipt on /follow-up keeps the typed digits, marks the field and focuses it', async () => {
  for (const combo of COMBOS) {
    const ctx = await browser.newContext({ ...combo.view, locale: combo.lang.locale, javaScriptEnabled: combo.js,
      extraHTTPHeaders: { 'X-Forwarded-For': addr() } });
    const page = await ctx.newPage();
    await page.goto(srv.base + '/follow-up');
    await page.fill('#receipt', '1234 5678 9012 3456 7890');
    const r = await submitBy(page, 'button.primary');
    assert.equal(r.status(), 401);
    assert.equal(await page.inputValue('#receipt'), '1234 5678 9012 3456 7890');
    assert.equal(await page.getAttribute('#receipt', 'aria-invalid'), 'true');
    const described = (await page.getAttribute('#receipt', 'aria-describedby')).split(' ')[0];
    assert.ok(described && (await page.textContent('#' + described)).trim().length > 0);
    assert.equal(await focusedId(page), 'receipt');
    await assertAccessible(page, `follow-up wrong ${combo.tag}`);
    await screenshot(page, `victim-followup-wrong-${combo.tag}`);
    await ctx.close();
  }
});
