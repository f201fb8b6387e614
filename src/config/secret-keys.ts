import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import type { AppConfig } from './env.ts';

const FILE_NAME = 'secret-keys.json';

/**
 * Cookie signing keys: SECRET_KEYS when set (production requires it, see env.ts), otherwise
 * generated once into DATA_DIR so development sessions survive restarts.
 */
export function resolveSecretKeys(config: Pick<AppConfig, 'secretKeys' | 'dataDir'>): { keys: string[]; generatedFile?: string } {
  if (config.secretKeys) return { keys: config.secretKeys };
  const file = path.join(config.dataDir, FILE_NAME);
  try {
    const keys: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === 'string' && k.length >= 32)) {
      return { keys, generatedFile: file };
    }
    throw new ConfigError([`SECRET_KEYS: ${file} is not a JSON list of keys; delete it to generate new keys, or set SECRET_KEYS`]);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError([`SECRET_KEYS: cannot read ${file} (${(error as Error).message}); fix it or set SECRET_KEYS`]);
    }
  }
  const keys = [randomBytes(32).toString('base64url')];
  mkdirSync(config.dataDir, { recursive: true });
  try {
    writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process started at the same moment and wrote first: use its keys.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return resolveSecretKeys(config);
    throw error;
  }
  return { keys, generatedFile: file };
}
