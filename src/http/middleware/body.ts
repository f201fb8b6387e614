import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import type { z } from 'zod';
import { AppError } from '../../errors.ts';

/**
 * Runs the parser, turning its failures (bad syntax, too large, bad charset) into client errors.
 * Parser errors carry the raw body: they must not reach the error log as they are.
 */
function parsing(parse: Middleware): Middleware {
  return async (ctx, next) => {
    let parsed = false;
    try {
      await parse(ctx, async () => {
        parsed = true;
      });
    } catch (error) {
      if (parsed) throw error;
      const status = (error as { status?: number }).status;
      if (status === 413) throw new AppError('payload_too_large', { status: 413, description: 'The request is too large.' });
      throw new AppError('invalid_request', { status: status === 415 ? 415 : 400, description: 'The request body could not be read (malformed or wrongly encoded).' });
    }
    await next();
  };
}

/** Marks a router of JSON endpoints: its errors answer in JSON whatever the request says. */
export const scriptEndpoints: Middleware = async (ctx, next) => {
  ctx.state.api = true;
  await next();
};

/** JSON for the page scripts: application/json only, 64 KB at most, strict (objects/arrays). */
export function jsonBody(): Middleware {
  const parse = parsing(bodyParser({ enableTypes: ['json'], jsonLimit: '64kb', jsonStrict: true, encoding: 'utf-8' }));
  return async (ctx, next) => {
    // Whatever happens from here on, this caller is a script: errors answer in JSON.
    ctx.state.api = true;
    if (!ctx.request.is('application/json')) {
      throw new AppError('unsupported_media_type', { status: 415, description: 'Send this request as application/json.' });
    }
    await parse(ctx, next);
  };
}

/** Plain HTML forms: urlencoded only, 16 KB at most unless `limit` says otherwise. */
export function formBody(options: { limit?: string } = {}): Middleware {
  const parse = parsing(bodyParser({ enableTypes: ['form'], formLimit: options.limit ?? '16kb', encoding: 'utf-8' }));
  return async (ctx, next) => {
    if (!ctx.request.is('application/x-www-form-urlencoded')) {
      throw new AppError('unsupported_media_type', { status: 415, description: 'Send this form as application/x-www-form-urlencoded.' });
    }
    await parse(ctx, next);
  };
}

/**
 * Validates a parsed body before any work is done with it. A wrong field is named in the
 * answer: by its label when given ("Passkey name"), else by its path.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown, labels: Record<string, string> = {}): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    const label = labels[path];
    if (label) throw new AppError('invalid_request', { status: 400, description: `${label} ${issue?.message ?? 'is not valid'}.` });
    const where = path ? `${path}: ` : '';
    throw new AppError('invalid_request', { status: 400, description: `The request was not understood (${where}${issue?.message ?? 'invalid'}).` });
  }
  return result.data;
}
