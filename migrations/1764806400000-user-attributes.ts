import { Table, TableForeignKey, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Free-form attributes an operator sets per person (`users set`), released to apps whose client
 * file maps them into a claim. A table of their own rather than a column on users: the user
 * look-up on every token stays as it is, and attributes are read only when a mapping asks.
 */
export class UserAttributes1764806400000 implements MigrationInterface {
  name = 'UserAttributes1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    await queryRunner.createTable(
      new Table({
        name: 'user_attributes',
        columns: [
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          // Up to 1024 characters (checked by the service); text keeps both dialects alike.
          { name: 'value', type: 'text' },
          { name: 'updated_at', type: timestamp },
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'FK_user_attributes_user_id', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('user_attributes', true);
  }
}
