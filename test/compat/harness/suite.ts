/**
 * One relying party's compatibility suite: the provider in-process (test/helpers/app.ts) with the
 * app's client file, and headless Chromium. The client file goes through the real loader
 * (src/config/clients.ts) from a temp folder, so its defaults and rules are those of production.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { loadClientFiles } from '../../../src/config/clients.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { launchBrowser, type Browser } from '../../helpers/browser.ts';
import { removeTempDirs, tempDir, type RunningProgram } from './child-process.ts';

/** A client file as an operator writes it (README "Clients"); `${NAME}` is read from `env`. */
export type ClientFile = Record<string, unknown> & { client_id: string };

export interface CompatSuiteOptions {
  clientFile: ClientFile;
  /** Values for `${NAME}` in the client file (the app's port, its secret). */
  env?: Record<string, string>;
  /** Starts the relying party once the provider runs (it needs the issuer URL). */
  startApp(issuer: string): Promise<RunningProgram>;
}

export interface CompatSuite {
  readonly provider: TestApp;
  readonly browser: Browser;
  /** The relying party under test. */
  readonly app: RunningProgram;
  /** The provider's issuer URL, http://localhost:<port>. */
  readonly issuer: string;
}

/** Registers before/after hooks for the enclosing describe(): provider, Chromium, the app. */
export function compatSuite(options: CompatSuiteOptions): CompatSuite {
  let provider: TestApp | undefined;
  let browser: Browser | undefined;
  let app: RunningProgram | undefined;
  before(async () => {
    const dir = tempDir('clients');
    writeFileSync(path.join(dir, `${options.clientFile.client_id}.json`), JSON.stringify(options.clientFile, null, 2));
    const clients = (await loadClientFiles(dir, { ...process.env, ...options.env })).map((loaded) => loaded.client);
    provider = await startTestApp({ clients });
    browser = await launchBrowser();
    app = await options.startApp(provider.url);
  });
  // One hook, in reverse order of start: the app's files live in the temp folders.
  after(async () => {
    await app?.stop();
    await browser?.close();
    await provider?.destroy();
    removeTempDirs();
  });
  return {
    get provider() {
      if (!provider) throw new Error('compatSuite: the provider is not started yet');
      return provider;
    },
    get browser() {
      if (!browser) throw new Error('compatSuite: the browser is not started yet');
      return browser;
    },
    get app() {
      if (!app) throw new Error('compatSuite: the app is not started yet');
      return app;
    },
    get issuer() {
      return this.provider.url;
    },
  };
}
