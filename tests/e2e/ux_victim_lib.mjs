// Shared by the report form's browser tests (ux_victim*.test.mjs): every combination of view
// (390x844 phone, 1366x900 desk), language and JavaScript, and the steps each test takes.
import assert from 'node:assert/strict';
import { I18N } from '../http/lib.mjs';
import { assertAccessible, screenshot } from './audit.mjs';

let nextIp = 1;
// A fresh client address per context (the service sees it through --trust-proxy).
export const addr = () => `198.51.${100 + Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`;

export const VIEWS = [
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  { name: 'desk', viewport: { width: 1366, height: 900 } },
];
export const LANGS = [
  { code: 'zh-CN', short: 'zh', locale: 'zh-CN' },
  { code: 'en', short: 'en', locale: 'en-US' },
];
// Every combination: view x language x JavaScript.
export const COMBOS = [];
for (const view of VIEWS)
  for (const lang of LANGS)
    for (const js of [true, false])
      COMBOS.push({ view, lang, js, tag: `${lang.short}-${view.name}-${js ? 'js' : 'nojs'}` });

export const t = (lang, key) => {
  const s = I18N[lang][key];
  assert.ok(s, `i18n key ${key} in ${lang}`);
  return s;
};

// One tiny PNG, for the screenshots field.
export const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
  + '1f15c4890000000d49444154789c6360f8cf0000000301010018dd8db40000000049454e44ae426082', 'hex');

export async function open(browser, combo, server, ip = addr()) {
  const ctx = await browser.newContext({
    ...combo.view, locale: combo.lang.locale, javaScriptEnabled: combo.js,
    extraHTTPHeaders: { 'X-Forwarded-For': ip },
  });
  const page = await ctx.newPage();
  await page.goto(server.base + '/report');
  return { ctx, page };
}

export async function audit(page, state, combo) {
  await assertAccessible(page, `${state} ${combo.tag}`);
  await screenshot(page, `victim-report-${state}-${combo.tag}`);
}

// A click that submits the form: waits for the answer's page when JavaScript cannot intercept it.
export async function submitBy(page, selector) {
  const [res] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return res;
}

export const focusedId = (page) => page.evaluate(() => document.activeElement?.id || '');

// Opens every folded part (the no-JS user does the same by clicking its summary).
export async function unfold(page) {
  const closed = page.locator('details:not([open]) > summary');
  for (let n = await closed.count(); n > 0; n--) await closed.first().click();
  assert.equal(await closed.count(), 0);
}

// The smallest report that is accepted.
export async function fillValid(page, url = 'https://weibo.com/u/123/abc') {
  await page.check('input[name="requester.role"][value="self"]');
  await page.selectOption('#f-incident_type', 'intimate');
  await page.fill('#f-targets_0_url', url);
  await page.check('input[name="good_faith"]');
  await page.fill('#f-signature', '小林');
}
