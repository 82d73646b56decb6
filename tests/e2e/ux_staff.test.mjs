// Issue 13, items 9, 10 and 12, in a real browser (Debian's Chromium): the staff pages show no
// raw codes, the actions fit the copy, and the queue says what is due and sorts. Every page state
// is audited with axe-core (any impact fails) and kept as a screenshot, at 390x844 (a phone) and
// 1366x900, in Chinese and English. The service's clock is frozen (--debug-routes), so "due in"
// and "overdue by" are exact. The victim's pages (items 7, 8) are in ux_staff_victim.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { t, fill, combos, label, srv, HOUR, asStaff, clock, D, setUp, tearDown, staffPage, check } from './ux_staff_lib.mjs';

before(setUp);
after(tearDown);

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
    assert.deepEqual(await page.$$eval('#assign select[name="login"] option', (os) => os.map((o) => o.value)), ['', 'cw1', 'cw2', 'lead'], 'assignment from the same list');
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
