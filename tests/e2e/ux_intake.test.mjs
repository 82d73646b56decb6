// Issue 13, items 11 and 13 in a real browser (Debian's Chromium), at 390x844 (a phone) and
// 1366x900, in Chinese and English, without JavaScript for the forms that matter: an admin manages
// staff (list, add with a one-time password, reset, disable after a confirmation, require one-time
// codes) with the keyboard; a caseworker cannot reach it; a caseworker records a request on
// someone's behalf, gets the receipt once, and the person follows it up with it. Every page state
// is checked with axe-core and kept as a screenshot (build/e2e-artifacts/intake-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, ctl, tempDir } from '../http/lib.mjs';
import { launch, VIEWS, LANGS, t } from './browser.mjs';
import { assertAccessible, screenshot } from './audit.mjs';


let srv, browser, dir;
const pw = {};

before(async () => {
  dir = tempDir('takedown-e2e-intake-');
  pw.admin = 'Admin-' + randomBytes(8).toString('hex');
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]);
  assert.equal(init.status, 0, init.stderr);
  pw.cw1 = 'cw1-' + randomBytes(8).toString('hex');
  const r = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', 'caseworker', 'cw1'], [pw.admin, pw.cw1, pw.cw1]);
  assert.equal(r.status, 0, r.stderr);
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy'] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  srv?.cleanup();
});

// A context in a viewport and language; JavaScript on or off.
async function context(view, lang, { js = true } = {}) {
  const ctx = await browser.newContext({ ...VIEWS[view], locale: lang, javaScriptEnabled: js });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/lang/${lang}?next=/staff/login`);
  return { ctx, page };
}

async function submit(page, action) {
  const [res] = await Promise.all([page.waitForNavigation(), action()]);
  return res;
}

async function signIn(page, login, password) {
  await page.goto(srv.base + '/staff/login');
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL('**/staff'), page.press('#password', 'Enter')]);
}

// Accessible, no sideways scroll, and kept as a screenshot.
async function check(page, name) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `${name}: no sideways scroll (${wide}px too wide)`);
  await assertAccessible(page, name);
  await screenshot(page, `intake-${name}`);
}

const focusedId = (page) => page.evaluate(() => document.activeElement?.id || '');

for (const view of Object.keys(VIEWS)) {
  for (const lang of LANGS) {
    const tag = `${view}-${lang}`;
    const login = `p-${view}-${lang === 'en' ? 'en' : 'zh'}`;

    test(`${tag}: an admin manages staff with the keyboard, without JavaScript`, async () => {
      const { ctx, page } = await context(view, lang, { js: false });
      await signIn(page, 'admin', pw.admin);
      // The staff link is in the admin's menu.
      await submit(page, () => page.click('nav.staff-nav a[href="/staff/people"]'));
      assert.equal(await page.textContent('h1'), t('people.title', lang));
      assert.match(await page.textContent('#person-cw1'), new RegExp(t('people.role.caseworker', lang)));
      await check(page, `people-list-${tag}`);

      // Add with the keyboard: a wrong own password first (kept login, marked field).
      await page.focus('#new-login');
      await page.keyboard.type(login);
      await page.keyboard.press('Tab');
      assert.equal(await focusedId(page), 'new-role');
      await page.keyboard.press('Tab');
      assert.equal(await focusedId(page), 'add-admin-password');
      await page.keyboard.type('not-my-password');
      let res = await submit(page, () => page.keyboard.press('Enter'));
      assert.equal(res.status(), 403);
      assert.equal(await page.inputValue('#new-login'), login);
      assert.equal(await page.getAttribute('#add-admin-password', 'aria-invalid'), 'true');
      assert.equal(await page.textContent('#people-error'), t('error.bad_admin_password', lang));
      await check(page, `people-add-error-${tag}`);

      await page.fill('#add-admin-password', pw.admin);
      res = await submit(page, () => page.press('#add-admin-password', 'Enter'));
      assert.equal(res.status(), 200);
      assert.equal(await page.textContent('h1'), t('people.added.title', lang));
      const first = (await page.textContent('#new-password')).trim();
      assert.match(first, /^[0-9a-f]{4}(-[0-9a-f]{4}){5}$/);
      await check(page, `people-added-${tag}`);

      // Back to the list; the new member is there, active, caseworker.
      await submit(page, () => page.click('main a.button.primary'));
      const row = await page.textContent(`#person-${login}`);
      assert.match(row, new RegExp(t('people.state.active', lang)));

      // Reset: a confirmation, then a new password.
      await page.focus(`#person-${login} a[href$="/reset"]`);
      await submit(page, () => page.keyboard.press('Enter'));
      assert.match(await page.textContent('h1'), new RegExp(t('people.reset.title', lang)));
      await check(page, `people-reset-confirm-${tag}`);
      await submit(page, () => page.click('#confirm-submit'));
      const second = (await page.textContent('#new-password')).trim();
      assert.notEqual(second, first);
      await check(page, `people-reset-done-${tag}`);

      // Disable: a confirmation that asks for the admin's own password.
      await page.goto(`${srv.base}/staff/people/${login}/disable`);
      assert.match(await page.textContent('h1'), new RegExp(t('people.disable.title', lang)));
      await check(page, `people-disable-confirm-${tag}`);
      await page.fill('#confirm-admin-password', 'wrong-password');
      res = await submit(page, () => page.press('#confirm-admin-password', 'Enter'));
      assert.equal(res.status(), 403);
      assert.equal(await page.getAttribute('#confirm-admin-password', 'aria-invalid'), 'true');
      await check(page, `people-disable-error-${tag}`);
      await page.fill('#confirm-admin-password', pw.admin);
      res = await submit(page, () => page.press('#confirm-admin-password', 'Enter'));
      assert.equal(new URL(page.url()).pathname, '/staff/people');
      assert.match(await page.textContent('[role="status"]'), new RegExp(login));
      assert.match(await page.textContent(`#person-${login}`), new RegExp(t('people.state.disabled', lang)));
      assert.equal(await page.$(`#person-${login} a[href$="/disable"]`), null);
      await check(page, `people-disabled-${tag}`);
      await ctx.close();

      // The disabled member cannot sign in with either password.
      const other = await context(view, lang);
      await other.page.goto(srv.base + '/staff/login');
      await other.page.fill('#login', login);
      await other.page.fill('#password', second);
      res = await submit(other.page, () => other.page.press('#password', 'Enter'));
      assert.equal(res.status(), 401);
      await other.ctx.close();
    });

    test(`${tag}: a caseworker cannot reach staff management`, async () => {
      const { ctx, page } = await context(view, lang);
      await signIn(page, 'cw1', pw.cw1);
      assert.equal(await page.$('nav.staff-nav a[href="/staff/people"]'), null, 'no link');
      const res = await page.goto(srv.base + '/staff/people');
      assert.equal(res.status(), 403);
      await check(page, `people-forbidden-${tag}`);
      await ctx.close();
    });

    test(`${tag}: a caseworker records a request on someone's behalf; the receipt is shown once`, async () => {
      const js = view === 'desk'; // the phone runs without JavaScript
      const { ctx, page } = await context(view, lang, { js });
      await signIn(page, 'cw1', pw.cw1);
      await submit(page, () => page.click('nav.staff-nav a[href="/staff/intake"]'));
      assert.equal(await page.textContent('h1'), t('intake.title', lang));
      await check(page, `behalf-form-${tag}`);

      // Sent with no consent and no copy: the problems listed, each field marked, values kept.
      const description = `desc-${tag}-` + randomBytes(3).toString('hex');
      await page.check('input[name="channel"][value="hotline"]');
      await page.fill('#f-description', description);
      let res = await submit(page, () => page.click('#intake-submit'));
      assert.equal(res.status(), 422);
      assert.equal(await page.getAttribute('#f-consent_confirmed', 'aria-invalid'), 'true');
      assert.ok(await page.$('#intake-errors a[href="#f-consent_confirmed"]'));
      assert.ok(await page.$('#intake-errors a[href="#f-targets"]'));
      assert.equal(await page.inputValue('#f-description'), description);
      assert.ok(await page.isChecked('input[name="channel"][value="hotline"]'));
      await check(page, `behalf-errors-${tag}`);

      await page.check('#f-consent_confirmed');
      await page.check('input[name="consent_recorded"][value="phone"]');
      await page.selectOption('#f-requester_role', 'self');
      await page.selectOption('#f-incident_type', 'harassment');
      await page.fill('#f-targets_0_url', `https://www.douyin.com/video/7301${Date.now()}`);
      await page.fill('#f-targets_3_holder', `holder-${tag}`);
      await page.fill('#f-targets_3_where', 'corner shop');
      await page.check('#f-good_faith');
      await page.fill('#f-signature', 'Sig');
      res = await submit(page, () => page.press('#f-signature', 'Enter'));
      assert.equal(res.status(), 201);
      assert.equal(new URL(page.url()).pathname, '/staff/intake/receipt');
      const receipt = (await page.textContent('#intake-receipt')).trim();
      assert.match(receipt, /^\d{4}( \d{4}){4}$/);
      assert.equal(await page.isVisible('#print-receipt'), js, 'the print button only with JavaScript');
      await check(page, `behalf-receipt-${tag}`);
      const caseHref = await page.getAttribute('#open-case', 'href');

      // A reload shows it no more.
      res = await page.reload();
      assert.equal(res.status(), 200);
      assert.equal(await page.textContent('h1'), t('intake.gone.title', lang));
      assert.ok(!(await page.content()).includes(receipt));
      await check(page, `behalf-receipt-gone-${tag}`);

      // The case is like any other: open it from the link.
      res = await page.goto(srv.base + caseHref);
      assert.equal(res.status(), 200);
      assert.ok((await page.content()).includes(description));
      assert.match(await page.textContent('#on-behalf'), /cw1/);
      await ctx.close();

      // The person follows it up with the receipt.
      const person = await context(view, lang, { js: false });
      await person.page.goto(srv.base + '/follow-up');
      await person.page.fill('input[name="receipt"]', receipt);
      await submit(person.page, () => person.page.press('input[name="receipt"]', 'Enter'));
      assert.equal(new URL(person.page.url()).pathname, '/my');
      assert.ok((await person.page.content()).includes(`holder-${tag}`));
      await person.ctx.close();
    });
  }
}
