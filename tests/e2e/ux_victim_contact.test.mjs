// The report form's contact question, its submission limit and the follow-up by receipt, as a
// frightened person on a phone lives them (issue 13, items 1, 4 and 6): every state at 390x844
// and 1366x900, in Chinese and English, with JavaScript on and off, audited by axe-core (any
// impact) and kept as a screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ctl, tempDir } from '../http/lib.mjs';
import { launch } from './browser.mjs';
import { assertAccessible, screenshot } from './audit.mjs';
import { COMBOS, t, PNG, addr, audit, submitBy, focusedId, unfold, fillValid, open as openIn } from './ux_victim_lib.mjs';

let srv, limited, browser;
const open = (combo, server = srv, ip = addr()) => openIn(browser, combo, server, ip);

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
