import { userInfo } from 'node:os';
import type { DataSource } from 'typeorm';
import { createAuditLog, type AuditLog } from '../audit/audit-log.ts';
import type { AppConfig } from '../config/env.ts';
import { createStore } from '../container.ts';
import { connectDatabase, createDataSource } from '../db/data-source.ts';
import type { Logger } from '../lib/logger.ts';
import { createAccountSessions } from '../oidc/account-sessions.ts';
import { createAccountLinksRepository } from '../repositories/account-links.ts';
import { createAuditEventsRepository } from '../repositories/audit-events.ts';
import { createGroupsRepository } from '../repositories/groups.ts';
import { createPasskeysRepository } from '../repositories/passkeys.ts';
import { createUsersRepository } from '../repositories/users.ts';
import { createUserAttributesRepository } from '../repositories/user-attributes.ts';
import { createAccountAdmin, type AccountAdmin } from '../services/account-admin.ts';
import { createAccountLinksService, type AccountLinksService } from '../services/account-links.ts';
import { createAdminOperations, type AdminActor, type AdminOperations } from '../services/admin-operations.ts';
import { createGroupsService, type GroupsService } from '../services/groups.ts';
import { createUserAttributesService, type UserAttributesService } from '../services/user-attributes.ts';
import type { KeyValueStore } from '../stores/key-value.ts';

/** What admin commands work with: the same services as the server, without the HTTP side. */
export interface AdminContext {
  config: AppConfig;
  logger: Logger;
  /** Who runs the command, as recorded in the audit trail (`admin:<OS user>`). */
  actor: string;
  /** The same, as the operations take it. */
  by: AdminActor;
  dataSource: DataSource;
  accounts: AccountAdmin;
  groups: GroupsService;
  links: AccountLinksService;
  /** Per-person attributes (read here; changed through operations). */
  attributes: UserAttributesService;
  audit: AuditLog;
  /** Every change, with its audit event (shared with the admin page). */
  operations: AdminOperations;
  close(): Promise<void>;
}

export interface AdminContextOptions {
  config: AppConfig;
  logger: Logger;
  /** PostgreSQL schema and store prefix (tests); the server's defaults otherwise. */
  databaseSchema?: string;
  storePrefix?: string;
}

/**
 * Connects to the database (never migrating: `db migrate` does that on purpose) and the store
 * (where sessions and tokens live, so disabling someone signs them out).
 */
export async function createAdminContext(options: AdminContextOptions): Promise<AdminContext> {
  const { config, logger } = options;
  const dataSource = createDataSource({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: options.databaseSchema });
  await connectDatabase(dataSource, { runMigrations: false, logger, timeoutMs: 5_000 });
  let store: KeyValueStore | undefined;
  try {
    if (await dataSource.showMigrations()) {
      throw new Error('the database schema is older than this version: run `npm run admin -- db migrate` first (or start the server with MIGRATIONS=true)');
    }
    store = createStore(config, options.storePrefix);
    const users = createUsersRepository(dataSource);
    const groups = createGroupsService({ groups: createGroupsRepository(dataSource) });
    const sessions = createAccountSessions(store);
    const opened = store;
    const actor = `admin:${userInfo().username}`;
    const accounts = createAccountAdmin({ users, passkeys: createPasskeysRepository(dataSource), groups, sessions });
    const links = createAccountLinksService({ links: createAccountLinksRepository(dataSource), issuer: config.issuer });
    const audit = createAuditLog({ events: createAuditEventsRepository(dataSource), config: { retentionDays: config.auditRetentionDays }, logger });
    const attributes = createUserAttributesService({ attributes: createUserAttributesRepository(dataSource) });
    return {
      config,
      logger,
      actor,
      by: { name: actor },
      dataSource,
      accounts,
      groups,
      links,
      attributes,
      audit,
      operations: createAdminOperations({ accounts, groups, links, attributes, audit, config }),
      async close() {
        await Promise.allSettled([opened.close(), dataSource.destroy()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([store?.close(), dataSource.destroy()]);
    throw error;
  }
}
