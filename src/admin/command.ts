import type { AppConfig } from '../config/env.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { AdminContext } from './context.ts';

/** Values of a command's options, as node:util parseArgs gives them. */
export type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandInput {
  positionals: string[];
  values: OptionValues;
}

/** What a command prints: a few lines for people, and the same facts as JSON for scripts (--json). */
export interface CommandResult {
  text: string;
  json: unknown;
}

interface CommandShape {
  /** The words that name it: `users list`, `invite`. */
  words: string[];
  /** What follows the words, e.g. `<login> [--yes]`. */
  usage: string;
  summary: string;
  options?: Record<string, { type: 'string' | 'boolean' }>;
  /** How many positional arguments it takes (after the words). */
  arguments?: { min: number; max: number };
}

/** Works on accounts, groups and links: gets the connected services. */
export interface ServiceCommand extends CommandShape {
  standalone?: false;
  run(context: AdminContext, input: CommandInput): Promise<CommandResult>;
}

export interface StandaloneEnvironment {
  config: AppConfig;
  logger: Logger;
  env: Record<string, string | undefined>;
  /** PostgreSQL schema (tests); the server's default otherwise. */
  databaseSchema?: string | undefined;
}

/** Needs only the configuration (clients check) or makes its own connection (db migrate). */
export interface StandaloneCommand extends CommandShape {
  standalone: true;
  run(environment: StandaloneEnvironment, input: CommandInput): Promise<CommandResult>;
}

export type AdminCommand = ServiceCommand | StandaloneCommand;

/** A mistake in how the command was called: printed with its usage, exit code 2. */
export class UsageError extends Error {}

/**
 * A service's refusal that, for this command, means it was called wrongly (exit 2 with its
 * usage) rather than refused (exit 1): e.g. inviting a username that is taken.
 */
export async function usageOn<T>(codes: readonly string[], work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof AppError && codes.includes(error.code)) throw new UsageError(error.description);
    throw error;
  }
}

/** "7d", "24h", "30m", "90s" or a number of seconds → seconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'] : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 60 || seconds > 90 * 86400) {
    throw new UsageError(`--${option} "${text}" is not a duration between 1 minute and 90 days; use e.g. 30m, 24h or 7d`);
  }
  return seconds;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
