// A victim's journey in a real browser (Debian's Chromium): on a phone, without JavaScript and
// with it, in Chinese; the fingerprint is computed in the page and the file never leaves it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, ctl, tempDir } from '../http/lib.mjs';
import { launch } from './browser.mjs';

let srv, browser;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' };

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

test('without JavaScript, on a phone: report, add a row, fix an error, save the receipt, see the status', async () => {
  const ctx = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/');
  assert.match(await page.textContent('h1'), /我们帮您移除/);
  await Promise.all([page.waitForURL('**/report'), page.click('a.button.primary')]);
  assert.equal(await page.isVisible('#fp-block'), false, 'the fingerprint picker needs JavaScript');

  await page.check('input[name="requester.role"][value="self"]');
  await page.selectOption('#f-incident_type', 'intimate');
  await page.fill('#f-description', '视频在微信群里被转发,有人用它威胁我。');
  await page.fill('#f-targets_0_url', '7.99 复制打开抖音，看看 https://v.douyin.com/iRNBho6/ ');
  await Promise.all([page.waitForNavigation(), page.click('button[value="add_online"]')]);
  // The form came back with one more row and everything kept.
  assert.equal(await page.inputValue('#f-description'), '视频在微信群里被转发,有人用它威胁我。');
  assert.equal(await page.inputValue('#f-targets_0_url'), '7.99 复制打开抖音，看看 https://v.douyin.com/iRNBho6/ ');
  assert.equal(await page.locator('input[name$="].url"]').count(), 2);
  await page.fill('#f-targets_1_url', 'javascript:alert(1)');
  await page.fill('#f-targets_2_holder', '路口便利店');
  await page.fill('#f-targets_2_where', '事发路口东北角');
  await page.check('input[name="good_faith"]');
  await Promise.all([page.waitForNavigation(), page.click('button.primary[type="submit"]')]);
  // Refused: the bad link and the missing signature are marked, the summary links to them.
  assert.match(await page.textContent('#error-summary'), /只接受 http 或 https 开头的网址/);
  assert.equal(await page.locator('#error-summary a[href="#f-signature"]').count(), 1);
  assert.equal(await page.locator('.field.invalid #f-signature').count(), 1);
  assert.equal(await page.inputValue('#f-targets_2_holder'), '路口便利店');
  await page.fill('#f-targets_1_url', 'https://www.bilibili.com/video/BV1xx?spm_id_from=333');
  await page.fill('#f-signature', '小林');
  await Promise.all([page.waitForNavigation(), page.click('button.primary[type="submit"]')]);

  const receipt = (await page.textContent('.receipt-code')).trim();
  assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4} \d{4}$/);
  assert.ok(!page.url().includes(receipt.replace(/ /g, '')), 'the receipt is never in a URL');
  await Promise.all([page.waitForNavigation(), page.click('text=继续')]);
  assert.match(await page.textContent('[role="alert"]'), /请先保存回执码/);
  assert.equal((await page.textContent('.receipt-code')).trim(), receipt, 'shown again until confirmed');
  await page.check('input[name="saved"]');
  await Promise.all([page.waitForURL('**/my'), page.click('text=继续')]);
  assert.equal(new URL(page.url()).pathname, '/my');
  const copies = await page.locator('.copy').allTextContents();
  assert.equal(copies.length, 3);
  assert.match(copies[0], /抖音/);
  assert.match(copies[0], /已收到,等待工作人员审核/);
  assert.match(copies[1], /哔哩哔哩/);
  assert.match(copies[2], /路口便利店/);

  // Sign out, come back with the receipt typed with dashes.
  await Promise.all([page.waitForURL(srv.base + '/'), page.click('text=退出')]);
  await page.goto(srv.base + '/follow-up');
  await page.fill('#receipt', receipt.replace(/ /g, '-'));
  await Promise.all([page.waitForURL('**/my'), page.click('button.primary')]);
  assert.equal(new URL(page.url()).pathname, '/my');
  await ctx.close();
});

test('keyboard only: every control of the report form is reachable with Tab and shows focus', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'en-US' });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/report');
  // A group of radio buttons is one stop for Tab (arrow keys move inside it).
  const controls = await page.evaluate(() => {
    const stops = new Set();
    for (const el of document.querySelectorAll('main input, main select, main textarea, main button')) {
      if (el.type === 'hidden' || el.offsetParent === null) continue;
      stops.add(el.type === 'radio' ? 'radio:' + el.name : el.id || el.name + ':' + el.value);
    }
    return stops.size;
  });
  const seen = new Set();
  for (let i = 0; i < controls + 20 && seen.size < controls; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || !el.closest('main')) return null;
      const style = getComputedStyle(el);
      return { key: el.type === 'radio' ? 'radio:' + el.name : el.id || el.name + ':' + el.value,
               outline: style.outlineStyle };
    });
    if (info) {
      assert.notEqual(info.outline, 'none', `${info.key} shows focus`);
      seen.add(info.key);
    }
  }
  assert.ok(seen.size >= controls, `reached ${seen.size} of ${controls} controls by Tab`);
  await ctx.close();
});

test('with JavaScript: the fingerprint is computed in the page; the file itself is never sent', async () => {
  const ctx = await browser.newContext({ ...PHONE, locale: 'en-US' });
  const page = await ctx.newPage();
  await page.goto(srv.base + '/report');
  assert.equal(await page.isVisible('#fp-block'), true);
  // Larger than one 4 MiB piece, so the streaming hash is exercised across pieces.
  const video = Buffer.alloc(5 * 1024 * 1024 + 123, 7);
  video.write('FOOTAGE-MARKER-bytes-that-must-not-leave', 1000);
  const want = createHash('sha256').update(video).digest('hex');
  await page.setInputFiles('#fp-file', { name: 'clip.mp4', mimeType: 'video/mp4', buffer: video });
  await page.waitForFunction(() => document.getElementById('fp-value').value.length === 64);
  assert.equal(await page.inputValue('#fp-value'), want);
  // Known answers of the page's SHA-256 on both sides of the 55/56-byte padding boundary.
  for (const n of [0, 55, 56, 64, 1000]) {
    const got = await page.evaluate((len) => {
      const h = new window.takedownSha256();
      h.update(new Uint8Array(len).fill(97));
      return h.hex();
    }, n);
    assert.equal(got, createHash('sha256').update(Buffer.alloc(n, 97)).digest('hex'), `length ${n}`);
  }
  await page.check('input[name="requester.role"][value="guardian"]');
  await page.selectOption('#f-incident_type', 'crime');
  await page.fill('#f-targets_0_url', 'https://weibo.com/1234/abcd');
  await page.check('input[name="good_faith"]');
  await page.fill('#f-signature', 'Lin');
  const sent = [];
  page.on('request', (r) => { if (r.method() === 'POST') sent.push(r.postDataBuffer() || Buffer.alloc(0)); });
  await page.click('button.primary[type="submit"]');
  await page.waitForSelector('.receipt-code');
  const body = Buffer.concat(sent);
  assert.ok(body.includes(Buffer.from(want)), 'the fingerprint was sent');
  assert.ok(!body.includes(Buffer.from('FOOTAGE-MARKER')), 'the file was not');
  await ctx.close();
});

test('quick exit leaves at once and Back does not return to the page', async () => {
  const ctx = await browser.newContext({ ...PHONE });
  const page = await ctx.newPage();
  await ctx.route(/weather|bbc/, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>weather</p>' }));
  await page.goto(srv.base + '/');
  await page.goto(srv.base + '/report');
  const exit = await page.getAttribute('#quick-exit', 'href');
  assert.match(exit, /^https:\/\//);
  await page.click('#quick-exit');
  await page.waitForURL(exit);
  await page.goBack();
  assert.notEqual(new URL(page.url()).pathname, '/report', 'the report page was replaced in history');
  await ctx.close();
});
