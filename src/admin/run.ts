import { parseArgs } from 'node:util';
import { loadConfig } from '../config/env.ts';
import { AppError, ConfigError } from '../errors.ts';
import { createLogger } from '../lib/logger.ts';
import { UsageError, type AdminCommand, type CommandResult } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { createAdminContext, type AdminContextOptions } from './context.ts';

export interface AdminOutput {
  /** What goes to stdout. */
  out: string;
  /** What goes to stderr. */
  err: string;
  /** 0 done, 1 refused or failed, 2 called wrongly. */
  code: 0 | 1 | 2;
}

/** The command named by the first words of argv (the longest match). */
function findCommand(words: string[]): AdminCommand | undefined {
  return [...COMMANDS]
    .sort((a, b) => b.words.length - a.words.length)
    .find((command) => command.words.every((word, i) => words[i] === word));
}

export function helpText(): string {
  const lines = COMMANDS.map((c) => `  ${[...c.words, c.usage].filter(Boolean).join(' ')}\n      ${c.summary}`);
  return ['Usage: npm run admin -- <command> [--json]', '', 'Commands:', ...lines, '', 'Add --json for machine-readable output. Every change is recorded in the audit trail.'].join('\n');
}

/**
 * Runs one admin command with the server's configuration (the same environment variables), and
 * returns what to print: people get a few lines, scripts (--json) the same facts as JSON, errors
 * one line on stderr.
 */
export async function runAdmin(argv: string[], env: Record<string, string | undefined>, options: Partial<AdminContextOptions> = {}): Promise<AdminOutput> {
  const json = argv.includes('--json');
  const args = argv.filter((arg) => arg !== '--json');
  if (args.length === 0 || args[0] === 'help' || args[0] === '--help' || args[0] === '-h') return { out: `${helpText()}\n`, err: '', code: args.length === 0 ? 2 : 0 };
  const command = findCommand(args);
  if (!command) return { out: '', err: `error: unknown command "${args.slice(0, 2).join(' ')}"; run npm run admin -- help\n`, code: 2 };
  const usage = `usage: npm run admin -- ${[...command.words, command.usage].filter(Boolean).join(' ')}`;
  let result: CommandResult;
  try {
    const { positionals, values } = parseArgs({ args: args.slice(command.words.length), options: command.options ?? {}, allowPositionals: true, strict: true });
    const { min, max } = command.arguments ?? { min: 0, max: 0 };
    if (positionals.length < min || positionals.length > max) throw new UsageError(`expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${positionals.length}`);
    const config = options.config ?? loadConfig(env);
    const logger = options.logger ?? createLogger('warn', undefined, config.logFormat);
    if (command.standalone) {
      result = await command.run({ config, logger, env, databaseSchema: options.databaseSchema }, { positionals, values });
    } else {
      const context = await createAdminContext({ config, logger, ...options });
      try {
        result = await command.run(context, { positionals, values });
      } finally {
        await context.close();
      }
    }
  } catch (error) {
    if (error instanceof UsageError) return { out: '', err: `error: ${error.message}\n${usage}\n`, code: 2 };
    if (error instanceof ConfigError) return { out: '', err: error.lines.map((line) => `error: ${line}\n`).join(''), code: 1 };
    if (error instanceof AppError) return { out: '', err: `error: ${error.description}\n`, code: 1 };
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      return { out: '', err: `error: ${error.message}\n${usage}\n`, code: 2 };
    }
    return { out: '', err: `error: ${(error as Error).message}\n`, code: 1 };
  }
  return { out: `${json ? JSON.stringify(result.json, null, 2) : result.text}\n`, err: '', code: 0 };
}
