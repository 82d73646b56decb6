// A victim's journey in a real browser (Debian's Chromium): on a phone, without JavaScript and
// with it, in Chinese; the fingerprint is computed in the page and the file never leaves it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, ctl, tempDir } from '../http/lib.mjs';
import { launch } from './browser.mjs';

let srv, browser, bfBrowser;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' };

before(async () => {
  const dir = tempDir();
  const pw = 'e2e-admin-password';
  const r = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw, pw]);
  assert.equal(r.status, 0, r.stderr);
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy'] });
  browser = await launch();
  // As people's browsers are: with the back-forward cache (Playwright turns it off by default).
  bfBrowser = await launch({ bfcache: true });
});

after(async () => {
  await browser?.close();
  await bfBrowser?.close();
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
  await page.click('#step-2 details.optional > summary'); // the optional details are folded
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
  assert.match(await page.textContent('#error-summary'), /第 2 个链接：请粘贴完整的链接,例如 https:\/\/weibo.com\/…/);
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
    // A folded part opens from the keyboard: Enter on its summary.
    if (await page.evaluate(() => document.activeElement?.tagName === 'SUMMARY' && !document.activeElement.parentElement.open))
      await page.keyboard.press('Enter');
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
  await page.click('#f-screenshots > summary'); // the evidence part is folded
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
  const ctx = await browser.newContext({ ...PHONE, extraHTTPHeaders: { 'X-Forwarded-For': nextAddr() } });
  const page = await ctx.newPage();
  await ctx.route(NEUTRAL, neutralPage);
  await page.goto(srv.base + '/');
  await page.goto(srv.base + '/report');
  const away = await page.getAttribute('#quick-exit', 'data-away');
  assert.match(away, /^https:\/\//);
  await page.click('#quick-exit');
  await page.waitForURL(away);
  await page.goBack();
  assert.notEqual(new URL(page.url()).pathname, '/report', 'the report page was replaced in history');
  await ctx.close();
});

// ---- the quick exit really leaves; the receipt never comes back ----

const NEUTRAL = /weather|bbc/;
const neutralPage = (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>weather</p>' });
let addrN = 0;
// One address per context: the per-address submission limit is not what these tests measure.
const nextAddr = () => `10.77.${++addrN >> 8}.${addrN & 255}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Files a report through the form and waits for the receipt page; returns what the case shows.
async function fileReport(page, tag) {
  const holder = `${tag}-holder-${Math.random().toString(36).slice(2, 10)}`;
  const link = `https://weibo.com/${tag}${Math.random().toString(36).slice(2, 10)}/abc`;
  await page.goto(srv.base + '/report');
  await page.check('input[name="requester.role"][value="self"]');
  await page.selectOption('#f-incident_type', 'crime');
  await page.fill('#f-targets_0_url', link);
  await page.fill('#f-targets_1_holder', holder);
  await page.fill('#f-targets_1_where', '门口');
  await page.check('input[name="good_faith"]');
  await page.fill('#f-signature', '小林');
  await Promise.all([page.waitForURL('**/report/receipt'), page.click('button.primary[type="submit"]')]);
  const receipt = (await page.textContent('.receipt-code')).trim();
  assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4} \d{4}$/);
  return { receipt, holder, link };
}

// What of a case a page must not show: the receipt in any spelling, the copies, the case id.
async function caseTraces(page, c) {
  const html = await page.content();
  // What is shown, including what the browser put back into form fields.
  const text = await page.evaluate(() => !document.body ? '' : [document.body.innerText,
    ...[...document.querySelectorAll('input, textarea, select')].map((f) => f.value)].join('\n'));
  const digits = c.receipt.replace(/ /g, '');
  const found = [];
  for (const s of [c.receipt, digits, c.holder, c.link, c.caseRef].filter(Boolean))
    if (html.includes(s) || text.includes(s)) found.push(s === c.receipt || s === digits ? 'the receipt' : s);
  if (text.replace(/\D/g, '').includes(digits)) found.push('the receipt digits');
  return found;
}

// Waits (bounded) until the old session cookie opens nothing on the server: the exit request
// of the script runs alongside the navigation away.
async function assertSessionEnded(cookie) {
  let status = 0;
  for (let i = 0; i < 600 && status !== 401; i++) { /* at most 30 s: a busy machine is slow */
    if (i) await sleep(50);
    status = (await fetch(srv.base + '/api/v1/my/case', { headers: { Cookie: 'td_session=' + cookie } })).status;
  }
  assert.equal(status, 401, 'the old session cookie is refused by the server');
}

// Presses Back until the history is used up, checking every page it shows.
async function backThroughHistory(page, c) {
  const seen = [];
  for (let i = 0; i < 10; i++) {
    const r = await page.goBack({ waitUntil: 'commit' }).catch((e) => e);
    if (!(r instanceof Error)) await page.waitForLoadState();
    if (r === null || r instanceof Error || page.url() === 'about:blank') break;
    seen.push(new URL(page.url()).pathname);
    assert.deepEqual(await caseTraces(page, c), [], `Back to ${page.url()} shows nothing of the case`);
  }
  return seen;
}

for (const [js, bf] of [[true, false], [false, false], [true, true], [false, true]]) {
  test(`quick exit ${js ? 'with' : 'without'} JavaScript${bf ? ', back-forward cache on' : ''}: the session ends on the server; Back shows nothing of the case`, async () => {
    const ctx = await (bf ? bfBrowser : browser).newContext({ ...PHONE, javaScriptEnabled: js, extraHTTPHeaders: { 'X-Forwarded-For': nextAddr() } });
    await ctx.route(NEUTRAL, neutralPage);
    const page = await ctx.newPage();
    const c = await fileReport(page, js ? 'exitjs' : 'exitnojs');
    await page.check('input[name="saved"]');
    await Promise.all([page.waitForURL('**/my'), page.click('button.primary[type="submit"]')]);
    c.caseRef = (await page.textContent('main code')).trim();
    assert.ok((await page.content()).includes(c.holder), 'the status page shows the case');
    const old = (await ctx.cookies()).find((k) => k.name === 'td_session');
    assert.ok(old, 'signed in');

    await page.click('#quick-exit');
    await page.waitForURL(NEUTRAL);
    await assertSessionEnded(old.value);
    assert.equal((await ctx.cookies()).find((k) => k.name === 'td_session'), undefined, 'the cookie is gone');
    assert.equal((await ctx.cookies()).find((k) => k.name === 'td_csrf'), undefined, 'the anonymous csrf cookie too');

    await page.goBack({ waitUntil: 'commit' });
    await page.waitForLoadState();
    if (!js) assert.equal(new URL(page.url()).pathname, '/follow-up', 'Back to /my asks for the receipt again');
    assert.deepEqual(await caseTraces(page, c), [], `Back to ${page.url()} shows nothing of the case`);
    await backThroughHistory(page, c);
    await page.goto(srv.base + '/my');
    assert.equal(new URL(page.url()).pathname, '/follow-up', '/my asks for the receipt again');
    assert.equal(await page.locator('#receipt').count(), 1);
    await ctx.close();
  });
}

for (const js of [true, false]) {
  test(`the receipt page does not come back ${js ? 'with' : 'without'} JavaScript: Back, reload and a bfcache-enabled browser show no receipt`, async () => {
    for (const b of [browser, bfBrowser]) {
      const ctx = await b.newContext({ ...PHONE, javaScriptEnabled: js, extraHTTPHeaders: { 'X-Forwarded-For': nextAddr() } });
      const page = await ctx.newPage();
      const c = await fileReport(page, 'once');
      const receiptUrl = page.url();
      await page.goto(srv.base + '/');
      // 'commit': a page restored from the back-forward cache fires no load event.
      await page.goBack({ waitUntil: 'commit' });
      assert.equal(page.url(), receiptUrl);
      await page.waitForLoadState();
      assert.deepEqual(await caseTraces(page, c), [], 'Back to the receipt page shows no receipt');
      await page.reload();
      assert.deepEqual(await caseTraces(page, c), [], 'a reload shows no receipt');
      await page.goto(receiptUrl);
      assert.deepEqual(await caseTraces(page, c), [], 'opening the address again shows no receipt');
      assert.match(await page.textContent('main'), /只显示一次/);
      await ctx.close();
    }
  });
}

test('with the back-forward cache: a page with case content blanks itself when restored', async () => {
  const ctx = await bfBrowser.newContext({ ...PHONE, extraHTTPHeaders: { 'X-Forwarded-For': nextAddr() } });
  const page = await ctx.newPage();
  const c = await fileReport(page, 'bfc');
  await page.check('input[name="saved"]');
  await Promise.all([page.waitForURL('**/my'), page.click('button.primary[type="submit"]')]);
  c.caseRef = (await page.textContent('main code')).trim();
  // The session ends on the server while this browser's cookies stay as they are (it timed out,
  // or was ended elsewhere): nothing tells the browser's cache that the page is stale.
  const cookie = (await ctx.cookies()).find((k) => k.name === 'td_session').value;
  const csrf = await page.getAttribute('input[name="csrf"]', 'value');
  const del = await fetch(srv.base + '/api/v1/receipt/session', { method: 'DELETE', headers: { Cookie: 'td_session=' + cookie, 'X-CSRF-Token': csrf } });
  assert.equal(del.status, 200);
  const asked = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/my') asked.push(r.url()); });
  await page.goto(srv.base + '/');
  await page.goBack({ waitUntil: 'commit' });
  await page.waitForURL((u) => u.pathname === '/follow-up');
  assert.equal(asked.length, 1, 'the restored page asked the server again');
  assert.deepEqual(await caseTraces(page, c), [], 'and shows nothing of the case');
  await ctx.close();
});

// The quick exit stays in view and big enough at every scroll position of every victim page.
async function exitPlacement(page) {
  return page.evaluate(async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const el = document.getElementById('quick-exit');
    const head = el.closest('header');
    const out = [];
    const max = Math.max(0, document.documentElement.scrollHeight - innerHeight);
    for (const want of [0, Math.round(max / 2), max]) {
      window.scrollTo(0, want);
      await frame();
      const b = el.getBoundingClientRect();
      const h = head ? head.getBoundingClientRect() : null;
      // Whatever is drawn where the control is, is the control (or its bar): it covers nothing
      // of the page's content, which passes under an opaque bar instead.
      const pts = [[b.left + 2, b.top + 2], [b.right - 2, b.top + 2], [b.left + 2, b.bottom - 2], [b.right - 2, b.bottom - 2], [b.left + b.width / 2, b.top + b.height / 2]];
      const onTop = pts.every(([x, y]) => {
        const hit = document.elementFromPoint(x, y);
        return hit && (hit === el || el.contains(hit));
      });
      const bg = head ? getComputedStyle(head).backgroundColor : '';
      const main = document.querySelector('main').getBoundingClientRect();
      out.push({ y: Math.round(scrollY), want, max, top: b.top, left: b.left, right: b.right, bottom: b.bottom,
        w: b.width, h: b.height, vw: document.documentElement.clientWidth, vh: innerHeight, onTop,
        inBar: !!h && b.top >= h.top - 0.5 && b.bottom <= h.bottom + 0.5 && h.top <= 0.5,
        opaque: /^rgb\(/.test(bg), mainBelow: want === 0 ? main.top >= (h ? h.bottom - 0.5 : b.bottom) : true });
    }
    return out;
  });
}

async function checkPlacement(page, where, problems) {
  for (const p of await exitPlacement(page)) {
    const at = `${where} at ${p.y}/${p.max}`;
    if (!(p.top >= 0 && p.bottom <= p.vh && p.left >= 0 && p.right <= p.vw)) problems.push(`${at}: out of view ${JSON.stringify(p)}`);
    if (p.w < 44 || p.h < 44) problems.push(`${at}: ${p.w}x${p.h} is smaller than 44x44`);
    if (p.left < p.vw / 2 || p.top > 80) problems.push(`${at}: not top right (${p.left},${p.top})`);
    if (!p.onTop) problems.push(`${at}: covered by something`);
    if (!p.inBar || !p.opaque) problems.push(`${at}: not in an opaque bar at the top, so it would cover content`);
    if (!p.mainBelow) problems.push(`${at}: the page's content starts under the bar`);
  }
}

for (const [label, view] of [['a 390x844 phone', PHONE], ['a desktop', { viewport: { width: 1280, height: 800 } }]]) {
  test(`the quick exit stays in view, top right, at least 44x44, on every victim page, on ${label}, in Chinese and English`, async () => {
    const problems = [];
    for (const locale of ['zh-CN', 'en-US']) {
      const ctx = await browser.newContext({ ...view, locale, extraHTTPHeaders: { 'X-Forwarded-For': nextAddr() } });
      const page = await ctx.newPage();
      const visit = async (name, p) => {
        if (p) await page.goto(srv.base + p);
        await checkPlacement(page, `${locale} ${name}`, problems);
      };
      await visit('landing', '/');
      await visit('follow-up', '/follow-up');
      await visit('report', '/report');
      // A field reached from the error summary is not hidden under the bar.
      const hidden = await page.evaluate(() => {
        document.getElementById('f-signature').focus();
        const f = document.getElementById('f-signature').getBoundingClientRect();
        return f.top < document.querySelector('header').getBoundingClientRect().bottom;
      });
      if (hidden) problems.push(`${locale} report: a focused field is hidden under the bar`);
      await fileReport(page, 'place');
      await visit('receipt');
      await page.check('input[name="saved"]');
      await Promise.all([page.waitForURL('**/my'), page.click('button.primary[type="submit"]')]);
      await visit('my');
      await visit('withdraw', '/my/withdraw');
      await visit('erase', '/my/erase');
      await ctx.close();
    }
    assert.deepEqual(problems, []);
  });
}
