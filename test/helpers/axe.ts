import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** The WCAG 2.0 and 2.1 A and AA rules: what the hosted pages promise. */
const WCAG_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

/** One failing rule on one element, small enough for an assertion message or a report. */
export interface AxeViolation {
  rule: string;
  impact: string;
  /** CSS selector of the element (iframes and shadow roots joined with " > "). */
  target: string;
  /** For color-contrast the measured ratio and colours; else the rule's summary of what is wrong. */
  detail: string;
}

interface AxeWindow {
  axe?: typeof axe;
}

/**
 * axe-core's serious and critical WCAG A/AA violations on the page as it is now (run again after
 * changing the viewport or colour scheme). The pages' CSP blocks inline scripts, so axe is not
 * added as a <script>: page.evaluate runs its source through the DevTools protocol, which CSP
 * does not govern. It stays loaded until the page navigates.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (window as AxeWindow).axe !== 'undefined');
  if (!loaded) await page.evaluate(axe.source);
  const results = await page.evaluate((tags) => {
    const injected = (window as AxeWindow).axe;
    if (!injected) throw new Error('axe-core did not load');
    return injected.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
  }, WCAG_AA_TAGS);
  return results.violations
    .filter((violation) => BLOCKING_IMPACTS.has(violation.impact ?? ''))
    .flatMap((violation) =>
      violation.nodes.map((node) => ({
        rule: violation.id,
        impact: violation.impact ?? 'unknown',
        target: node.target.map((part) => (Array.isArray(part) ? part.join(' > ') : String(part))).join(' > '),
        detail: violation.id === 'color-contrast'
          ? [...node.any, ...node.all, ...node.none].map((check) => check.message).join('; ')
          : (node.failureSummary ?? violation.help).replace(/\s+/g, ' ').trim(),
      })),
    );
}

/** One line per violation, for assertion messages. */
export function formatViolations(violations: readonly AxeViolation[]): string {
  return violations.map((v) => `${v.rule} (${v.impact}) ${v.target}: ${v.detail}`).join('\n');
}
