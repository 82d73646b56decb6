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
// the same address (so the same-origin styles load), to a page of a fresh context that can.
export async function assertAccessible(page, label) {
  // With JavaScript off, the debugging protocol still evaluates, but no timer ever fires.
  const jsOff = await Promise.race([
    page.evaluate(() => new Promise((resolve) => setTimeout(() => resolve(false), 0))),
    new Promise((resolve) => setTimeout(() => resolve(true), 2000)),
  ]);
  let target = page;
  let ctx;
  if (jsOff) {
    // The debugging protocol's DOM domain reads the markup without running script in the page.
    const cdp = await page.context().newCDPSession(page);
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { outerHTML: html } = await cdp.send('DOM.getOuterHTML', { nodeId: root.nodeId });
    await cdp.detach();
    const url = page.url();
    ctx = await page.context().browser().newContext({ viewport: page.viewportSize() });
    target = await ctx.newPage();
    await target.route(url, (r) => r.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }));
    await target.goto(url);
  }
  try {
    await target.evaluate(AXE);
    const violations = await target.evaluate(async () => {
      const r = await globalThis.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes[0]?.target.join(' ')}`);
    });
    assert.deepEqual(violations, [], `axe-core on ${label || page.url()}`);
  } finally {
    await ctx?.close();
  }
}

// Saves a full-page screenshot as <ARTIFACTS>/<name>.png; names are unique per test file.
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name.replace(/[^A-Za-z0-9_.-]+/g, '-') + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
