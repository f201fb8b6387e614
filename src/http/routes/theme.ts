import { Router } from '@koa/router';

/**
 * The accent colour as a stylesheet, so pages need no inline style (CSP). APP_ACCENT is
 * validated as a hex colour at start-up, so it cannot inject CSS.
 */
export function themeRoutes(accent: string): Router {
  const router = new Router();
  const css = `:root { --accent: ${accent}; }\n`;
  router.get('/theme.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = css;
  });
  return router;
}
