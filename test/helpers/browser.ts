import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestApp, type TestApp, type TestAppOptions } from './app.ts';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Debian's chromium, or CHROMIUM_PATH; undefined when there is none (scripts/test.js says so). */
export function findChromium(): string | undefined {
  const configured = process.env['CHROMIUM_PATH'];
  if (configured) return existsSync(configured) ? configured : undefined;
  return CANDIDATES.find((candidate) => existsSync(candidate));
}

/** `extraArgs`: more Chromium switches (the reverse-proxy test maps a host name and trusts a test key). */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found: apt-get install chromium, or set CHROMIUM_PATH');
  return chromium.launch({
    executablePath,
    headless: true,
    // Quiet, offline Chromium: this machine reaches no outside network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

export const VIEWPORTS = {
  mobile: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

/** Saves the page at 390 px and 1280 px, light and dark, as test-artifacts/<name>-<size>-<scheme>.png. */
export async function screenshotAllWays(page: Page, name: string): Promise<string[]> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const saved: string[] = [];
  const original = page.viewportSize();
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme });
      const file = path.join(ARTIFACTS_DIR, `${name}-${size}-${colorScheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      saved.push(file);
    }
  }
  if (original) await page.setViewportSize(original);
  await page.emulateMedia({ colorScheme: 'light' });
  return saved;
}

export type { Browser, BrowserContext, Page };

/**
 * Registers before/after hooks that start a test app and Chromium for the enclosing describe().
 * Read `app` and `browser` inside tests (they exist once the before hook has run).
 */
export function browserSuite(options: TestAppOptions = {}): { readonly app: TestApp; readonly browser: Browser } {
  let app: TestApp | undefined;
  let browser: Browser | undefined;
  before(async () => {
    app = await startTestApp(options);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.destroy();
  });
  return {
    get app() {
      if (!app) throw new Error('browserSuite: the app is not started yet');
      return app;
    },
    get browser() {
      if (!browser) throw new Error('browserSuite: the browser is not started yet');
      return browser;
    },
  };
}
