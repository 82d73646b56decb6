// Launches Debian's Chromium through playwright-core for the browser tests.
import { chromium } from 'playwright-core';

// bfcache: keep the back-forward cache on, as it is in people's browsers.
export async function launch({ bfcache = false } = {}) {
  return chromium.launch({
    ignoreDefaultArgs: bfcache ? ['--disable-back-forward-cache'] : [],
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
