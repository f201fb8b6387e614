import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Operators' tables: groups and their members (the `groups` claim, `allowed_groups`), the audit
 * trail, and single-use account links (invitations, recovery). Schema API only, as the first one.
 */
export class GroupsAuditLinks1764633600000 implements MigrationInterface {
  name = 'GroupsAuditLinks1764633600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    const toUsers = (name: string) =>
      new TableForeignKey({ name, columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' });

    await queryRunner.createTable(
      new Table({
        name: 'groups',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '64', isUnique: true },
          { name: 'created_at', type: timestamp },
        ],
      }),
      true,
    );

    await queryRunner.createTable(
      new Table({
        name: 'group_members',
        columns: [
          { name: 'group_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'added_at', type: timestamp },
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'FK_group_members_group_id', columnNames: ['group_id'], referencedTableName: 'groups', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
          toUsers('FK_group_members_user_id'),
        ],
        indices: [new TableIndex({ name: 'IDX_group_members_user_id', columnNames: ['user_id'] })],
      }),
      true,
    );

    // No foreign key to users: the trail outlives a deleted account (its id stays, to read it by).
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'at', type: timestamp },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'actor', type: 'varchar', length: '128', isNullable: true },
          { name: 'client_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '256', isNullable: true },
          { name: 'detail', type: 'text', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'IDX_audit_events_at', columnNames: ['at'] }),
          new TableIndex({ name: 'IDX_audit_events_user_id_at', columnNames: ['user_id', 'at'] }),
        ],
      }),
      true,
    );

    await queryRunner.createTable(
      new Table({
        name: 'account_links',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '16' },
          // SHA-256 of a 256-bit secret: enough against guessing, and a leaked table opens nothing.
          { name: 'secret_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'username', type: 'varchar', length: '64', isNullable: true },
          { name: 'email', type: 'varchar', length: '320', isNullable: true },
          { name: 'created_by', type: 'varchar', length: '128' },
          { name: 'created_at', type: timestamp },
          { name: 'expires_at', type: timestamp },
          { name: 'used_at', type: timestamp, isNullable: true },
        ],
        foreignKeys: [toUsers('FK_account_links_user_id')],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['account_links', 'audit_events', 'group_members', 'groups']) await queryRunner.dropTable(table, true);
  }
}
