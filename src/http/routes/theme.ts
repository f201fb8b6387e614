import { Router } from '@koa/router';
import { accentPalette, normaliseHex, type SchemePalette } from '../../lib/colour-contrast.ts';

function customProperties(palette: SchemePalette): string {
  return [
    `--accent-fill: ${palette.accentFill};`,
    `--on-accent-fill: ${palette.onAccentFill};`,
    `--accent-fill-hover: ${palette.accentFillHover};`,
    `--accent-text: ${palette.accentText};`,
    `--focus-ring: ${palette.focusRing};`,
  ].join(' ');
}

/**
 * The stylesheet for an accent: its shades for light and dark mode, each found by contrast
 * against the scheme's surfaces (src/lib/colour-contrast.ts). Every value is re-printed from
 * parsed numbers, so nothing of the configured text reaches the CSS as written.
 */
export function themeCss(accent: string): string {
  const palette = accentPalette(accent);
  return [
    `:root { --accent: ${normaliseHex(accent)}; ${customProperties(palette.light)} }`,
    `@media (prefers-color-scheme: dark) {`,
    `  :root { ${customProperties(palette.dark)} }`,
    `}`,
    '',
  ].join('\n');
}

/**
 * The accent colour as a stylesheet, so pages need no inline style (CSP). APP_ACCENT is
 * validated as a hex colour at start-up; themeCss would throw on anything else.
 */
export function themeRoutes(accent: string): Router {
  const router = new Router();
  const css = themeCss(accent);
  router.get('/theme.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = css;
  });
  return router;
}
