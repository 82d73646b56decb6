// Issue 13, items 7 and 8, in a real browser (Debian's Chromium): the victim's status page leads
// with what matters, and the receipt card names the site and has no dead buttons. Every page
// state is audited with axe-core (any impact fails) and kept as a screenshot, at 390x844 (a
// phone) and 1366x900, in Chinese and English, with JavaScript on and off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { t, fill, combos, label, srv, D, setUp, tearDown, newPage, check } from './ux_staff_lib.mjs';

before(setUp);
after(tearDown);

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

let reports = 0; // each report its own link

async function receiptPage(c) {
  const { ctx, page } = await newPage(c);
  await page.goto(srv.base + '/report');
  const csrf = await page.getAttribute('form input[name="csrf"]', 'value');
  const r = await ctx.request.post(srv.base + '/report', {
    maxRedirects: 0,
    multipart: {
      csrf, language: c.lang, 'requester.role': 'self', 'incident.type': 'intimate',
      'targets[0].kind': 'online', 'targets[0].url': `https://www.douyin.com/video/73022222222222${String(++reports).padStart(5, '0')}`,
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
