// The report form as a frightened person on a phone lives it (issue 13, items 2-5): every state
// below is checked at 390x844 (a phone) and 1366x900, in Chinese and English, with JavaScript on
// and off; each state is audited by axe-core (any impact) and kept as a screenshot. Contact, the
// submission limit and the follow-up are in ux_victim_contact.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ctl, tempDir } from '../http/lib.mjs';
import { launch } from './browser.mjs';
import { COMBOS, t, PNG, audit, submitBy, focusedId, unfold, open as openIn } from './ux_victim_lib.mjs';

let srv, browser;
const open = (combo) => openIn(browser, combo, srv);

before(async () => {
  const dir = tempDir();
  const pw = 'e2e-admin-password';
  const r = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw, pw]);
  assert.equal(r.status, 0, r.stderr);
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy'] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  srv?.cleanup();
});

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

// The name of the focused field once the page has put focus in a field (autofocus runs after
// the page loads); bounded, and it returns whatever has focus then.
async function focusedName(page) {
  const name = () => page.evaluate(() => document.activeElement?.name || '');
  for (let i = 0; i < 50 && !(await name()); i++) await page.waitForTimeout(100);
  return name();
}

test('"add another link / offline copy" lands on the new row with focus in it, nothing typed lost', async () => {
  for (const combo of COMBOS) {
    const { ctx, page } = await open(combo);
    const L = combo.lang.code;
    await page.fill('#f-targets_0_url', 'https://weibo.com/u/1/first');
    await unfold(page);
    await page.fill('#f-description', '有人转发');
    await page.setInputFiles('#screenshots', { name: 'a.png', mimeType: 'image/png', buffer: PNG });
    if (combo.js) await page.evaluate(() => { window.__stay = 1; });
    // Without JavaScript the button posts the form: wait for that answer's page, not for the URL
    // (it may end in #added already, from an earlier add).
    const add = (kind) => (combo.js ? page.click(`button[value="add_${kind}"]`) : submitBy(page, `button[value="add_${kind}"]`));
    await add('online');
    if (!combo.js) {
      assert.match(page.url(), /\/report#added$/);
      assert.ok(await page.textContent('main').then((s) => s.includes(t(L, 'upload.choose_again'))), 'says screenshots are chosen again');
    } else {
      assert.equal(await page.evaluate(() => window.__stay), 1, 'added in place, no page load');
      assert.equal(await page.evaluate(() => document.getElementById('screenshots').files.length), 1, 'chosen screenshots kept');
    }
    const focused = await focusedName(page);
    assert.match(focused, /^targets\[\d+\]\.url$/, `focus in the new row (${combo.tag})`);
    assert.notEqual(focused, 'targets[0].url');
    assert.equal(await page.inputValue('#f-targets_0_url'), 'https://weibo.com/u/1/first');
    assert.equal(await page.inputValue('#f-description'), '有人转发');
    await audit(page, 'added-link', combo);
    await add('offline');
    const off = await focusedName(page);
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

