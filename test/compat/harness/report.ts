/**
 * Compatibility tests and their results table. Each test names the client library, its version
 * and the settings used; its outcome is appended as a JSON line to $COMPAT_RESULTS (scripts/test.js
 * prints the table after the run) and shown as a test diagnostic. A failure says where the browser
 * was, what the page said, and what the relying party printed.
 */
import { AssertionError } from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { CompatSuite } from './suite.ts';

export interface CompatRow {
  /** The relying party, e.g. "Apache + mod_auth_openidc". */
  client: string;
  version: string;
  /** What was configured: "defaults" plus whatever had to be set. */
  settings: string;
}

export interface Watch {
  /** The page whose URL and text go into a failure message. */
  page(page: Page): void;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The installed version of an npm package of this project. */
export function npmVersion(name: string): string {
  const json = JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')) as { version: string };
  return `${name} ${json.version}`;
}

/** The installed version of a Debian package, or "not installed". */
export function debianVersion(name: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || 'not installed';
  } catch {
    return 'not installed';
  }
}

function lastLines(text: string, count: number): string {
  return text.split('\n').slice(-count).join('\n');
}

async function describePage(page: Page | undefined): Promise<string> {
  if (!page || page.isClosed()) return '';
  const text = await page.locator('body').innerText({ timeout: 2_000 }).catch(() => '(no text)');
  return `\n--- the browser is at ${page.url()}; the page says:\n${text.trim().slice(0, 1_500)}`;
}

/** One line for the table: the message, and for a failed assertion what was there instead. */
function summary(error: unknown): string {
  if (error instanceof AssertionError) return `${error.message.split('\n')[0]}: got ${JSON.stringify(error.actual)}, expected ${JSON.stringify(error.expected)}`;
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

function record(row: CompatRow & { test: string; result: string }): void {
  const file = process.env['COMPAT_RESULTS'];
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}

/** A test of one relying party against the provider, recorded in the results table. */
export function compatTest(suite: CompatSuite, row: CompatRow, name: string, fn: (watch: Watch) => Promise<void>): void {
  test(name, async (t) => {
    let watched: Page | undefined;
    try {
      await fn({ page: (page) => (watched = page) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      record({ ...row, test: name, result: `FAIL: ${summary(error)}` });
      const appOutput = (() => {
        try {
          return lastLines(suite.app.output(), 40);
        } catch {
          return '';
        }
      })();
      const context = `${await describePage(watched)}\n--- ${row.client} printed (last lines):\n${appOutput || '(nothing)'}`;
      throw new Error(`${row.client}: ${message}${context}`, { cause: error });
    }
    record({ ...row, test: name, result: 'pass' });
    t.diagnostic(`${row.client} | ${row.version} | ${row.settings} | pass`);
  });
}
