// Issue 13, the center's incident ledger in a real browser (Debian's Chromium), at 390x844 (a
// phone) and 1366x900, in Chinese and English, without JavaScript, with the keyboard: a caseworker
// records an incident, opens the center's own case for it from the incident page (a mistake first:
// the summary names it and what was typed stays), lands on the case, adds a holder the patrol
// found near the scene, and finds both on the incident page. Every page state is checked with
// axe-core and kept as a screenshot (build/e2e-artifacts/center-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, initStaff } from '../http/lib.mjs';
import { launch, VIEWS, LANGS, t } from './browser.mjs';
import { assertAccessible, screenshot } from './audit.mjs';

let srv, browser, dir, pw;

before(async () => {
  ({ dir, pw } = initStaff('takedown-e2e-center-', [['cw1', 'caseworker']]));
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy'] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  srv?.cleanup();
});

async function submit(page, action) {
  const [res] = await Promise.all([page.waitForNavigation(), action()]);
  return res;
}

// Accessible, no sideways scroll, and kept as a screenshot.
async function check(page, name) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `${name}: no sideways scroll (${wide}px too wide)`);
  await assertAccessible(page, name);
  await screenshot(page, `center-${name}`);
}

for (const view of Object.keys(VIEWS)) {
  for (const lang of LANGS) {
    const tag = `${view}-${lang}`;
    test(`${tag}: the center opens its own case for an incident and adds what its patrol finds, with the keyboard, without JavaScript`, async () => {
      const ctx = await browser.newContext({ ...VIEWS[view], locale: lang, javaScriptEnabled: false });
      const page = await ctx.newPage();
      await page.goto(`${srv.base}/lang/${lang}?next=/staff/login`);
      await page.fill('#login', 'cw1');
      await page.fill('#password', pw.cw1);
      await Promise.all([page.waitForURL('**/staff'), page.press('#password', 'Enter')]);

      // The incident.
      await page.goto(srv.base + '/staff/incidents');
      const label = `Station ${tag} ${randomBytes(3).toString('hex')}`;
      await page.fill('input[name="label"]', label);
      let res = await submit(page, () => page.press('input[name="label"]', 'Enter'));
      assert.equal(res.status(), 200);
      assert.match(page.url(), /\/staff\/incidents\/\d+$/);
      const incidentUrl = page.url();
      await check(page, `incident-${tag}`);

      // Its center case: the link, by keyboard.
      await page.focus('#open-center-case');
      assert.equal(await page.textContent('#open-center-case'), t('center.open', lang));
      res = await submit(page, () => page.keyboard.press('Enter'));
      assert.equal(res.status(), 200);
      assert.equal(await page.textContent('h1 a'), `${t('cw.incident.title', lang)} #${incidentUrl.split('/').pop()}`);
      await check(page, `form-${tag}`);

      // A mistake first: a link that is not one. The summary says what and where; typed stays.
      const place = `North gate ${tag}`;
      await page.selectOption('#f-incident_type', 'crime');
      await page.fill('#f-incident_place', place);
      await page.fill('#f-targets_0_url', 'not a link');
      res = await submit(page, () => page.press('#f-targets_0_url', 'Enter'));
      assert.equal(res.status(), 422);
      assert.equal(await page.inputValue('#f-incident_place'), place);
      assert.equal(await page.getAttribute('#f-targets_0_url', 'aria-invalid'), 'true');
      const summary = await page.textContent('#intake-errors');
      assert.ok(summary.includes(t('intake.f.targets_url', lang)), 'the summary names the field');
      await check(page, `form-error-${tag}`);

      const url = `https://www.douyin.com/video/73${Date.now()}`;
      await page.fill('#f-targets_0_url', url);
      res = await submit(page, () => page.click('#center-submit'));
      assert.equal(res.status(), 200);
      assert.match(page.url(), /\/staff\/cases\/[0-9a-f]{20}$/);
      const caseUrl = page.url();
      assert.equal(await page.textContent('#center-held'), t('center.held', lang));
      assert.equal(await page.locator('#messages').count(), 0, 'no messages to a requester who is not there');
      await check(page, `case-${tag}`);

      // What the patrol finds next: a holder near the scene.
      await page.focus('#add-targets');
      res = await submit(page, () => page.keyboard.press('Enter'));
      assert.equal(res.status(), 200);
      await check(page, `add-${tag}`);
      const holder = `Shop CCTV ${tag}`;
      const offline = page.locator('input[name$="].holder"]').first();
      const holderId = await offline.getAttribute('id');
      await page.fill(`#${holderId}`, holder);
      await page.fill(`#${holderId.replace('_holder', '_where')}`, 'Opposite the station');
      res = await submit(page, () => page.press(`#${holderId.replace('_holder', '_where')}`, 'Enter'));
      assert.equal(res.status(), 200);
      assert.equal(page.url().split('#')[0], caseUrl);
      assert.ok((await page.textContent('main')).includes(holder), 'the holder is on the case page');

      // The incident page leads to the case, and lists both copies.
      await page.goto(incidentUrl);
      assert.equal(await page.getAttribute('#center-case a', 'href'), new URL(caseUrl).pathname);
      const text = await page.textContent('main');
      assert.ok(text.includes(holder) && text.includes(url.split('/').pop()), 'both copies under the incident');
      await check(page, `incident-done-${tag}`);
      await ctx.close();
    });
  }
}
