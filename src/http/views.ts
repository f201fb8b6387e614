import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { AppConfig } from '../config/env.ts';

const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

export interface Branding {
  appName: string;
  appLogoUrl: string | undefined;
  appAccent: string;
}

export type Render = (template: string, data?: Record<string, unknown>) => string;

/**
 * Eta with auto-escaping on: every `<%= %>` is HTML-escaped; raw output (`<%~ %>`) is kept for
 * markup we build ourselves. Templates are cached after the first render.
 */
export function createViews(config: Pick<AppConfig, 'appName' | 'appLogoUrl' | 'appAccent' | 'production'>): Render {
  const eta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: config.production, autoTrim: false });
  const branding: Branding = { appName: config.appName, appLogoUrl: config.appLogoUrl, appAccent: config.appAccent };
  return (template, data = {}) => eta.render(path.join('./', template), { ...branding, ...data });
}
