// Launches Debian's Chromium through playwright-core for the browser tests.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { I18N } from '../http/lib.mjs';

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

// The two views every page is tried in: a phone, and a desk.
export const VIEWS = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  desk: { viewport: { width: 1366, height: 900 } },
};
export const LANGS = ['zh-CN', 'en'];

// The words of an i18n key in lang, asserting the key exists.
export const t = (key, lang) => {
  const v = I18N[lang][key];
  assert.ok(typeof v === 'string', `i18n key ${key} exists in ${lang}`);
  return v;
};
