// What every browser test checks on a page it visits: axe-core's accessibility rules (every
// impact counts) and a screenshot kept as a test artifact (build/e2e-artifacts, or $E2E_ARTIFACTS).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const ARTIFACTS = path.resolve(process.env.E2E_ARTIFACTS || 'e2e-artifacts');

// Runs axe-core in the page (through the debugging protocol, so the page's CSP still holds for
// the page itself) and fails with each violation's rule, impact and first element.
// A page whose context has JavaScript off cannot run axe: the same markup is served again, at
// the same address (so the same-origin styles load), to a page of a context that can (one per
// browser, made at the first such page and kept: a context of its own each time cost more than
// the audit).
const auditPages = new WeakMap();
function auditPage(browser) {
  if (!auditPages.has(browser)) auditPages.set(browser, browser.newContext().then((ctx) => ctx.newPage()));
  return auditPages.get(browser);
}

export async function assertAccessible(page, label) {
  // With JavaScript off, the debugging protocol still evaluates, but the document's scripting
  // flag is off: markup inside <noscript> is parsed as elements (with it on, as text). This asks
  // the page itself, at once, instead of waiting to see whether a timer fires.
  const jsOff = await page.evaluate(() => {
    const probe = document.createElement('div');
    probe.innerHTML = '<noscript><b></b></noscript>';
    return probe.querySelector('b') !== null;
  });
  let target = page;
  if (jsOff) {
    // The debugging protocol's DOM domain reads the markup without running script in the page.
    const cdp = await page.context().newCDPSession(page);
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { outerHTML: html } = await cdp.send('DOM.getOuterHTML', { nodeId: root.nodeId });
    await cdp.detach();
    const url = page.url();
    target = await auditPage(page.context().browser());
    await target.setViewportSize(page.viewportSize());
    const serve = (r) => r.fulfill({ body: html, contentType: 'text/html; charset=utf-8' });
    await target.route(url, serve);
    try {
      // From a blank page, so an address that differs from the last one only after '#' loads.
      await target.goto('about:blank');
      await target.goto(url);
    } finally {
      await target.unroute(url, serve);
    }
  }
  await target.evaluate(AXE);
  const violations = await target.evaluate(async () => {
    const r = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes[0]?.target.join(' ')}`);
  });
  assert.deepEqual(violations, [], `axe-core on ${label || page.url()}`);
}

// Saves a full-page screenshot as <ARTIFACTS>/<name>.png; names are unique per test file.
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name.replace(/[^A-Za-z0-9_.-]+/g, '-') + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
