// The accessibility audit every browser test relies on (audit.mjs) can fail: a page with a known
// violation is refused and the same page mended passes, with JavaScript on and with it off (where
// the audit reads the markup and checks a copy in a page that can run axe-core).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './browser.mjs';
import { assertAccessible } from './audit.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const PAGE = (img) => `<!doctype html><html lang="en"><head><title>audit</title></head>
<body><main><h1>Audit</h1>${img}<p>text</p></main></body></html>`;
const BAD = PAGE('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'); // no alt text
const GOOD = PAGE('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="a dot">');

for (const js of [true, false]) {
  test(`with JavaScript ${js ? 'on' : 'off'}: a violation is refused, the mended page passes`, async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: js });
    const page = await ctx.newPage();
    for (const [path, html] of [['/bad', BAD], ['/good', GOOD]])
      await page.route(`http://audit.test${path}`, (r) => r.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }));
    await page.goto('http://audit.test/bad');
    await assert.rejects(assertAccessible(page, 'bad'), /image-alt \(critical\)/);
    await page.goto('http://audit.test/good');
    await assertAccessible(page, 'good');
    await ctx.close();
  });
}
