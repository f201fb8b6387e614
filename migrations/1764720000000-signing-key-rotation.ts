import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Signing-key rotation: `activates_at` says from when a key signs (published before, during the
 * rotation's overlap). Existing keys have signed since they were made. Schema API and one line of
 * standard SQL: one history for both databases.
 */
export class SigningKeyRotation1764720000000 implements MigrationInterface {
  name = 'SigningKeyRotation1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    const nullable = new TableColumn({ name: 'activates_at', type: timestamp, isNullable: true });
    await queryRunner.addColumn('signing_keys', nullable);
    // Standard SQL, the same in both dialects (the query builder would map the table to the entity).
    const name = (identifier: string) => queryRunner.connection.driver.escape(identifier);
    await queryRunner.query(`UPDATE ${name('signing_keys')} SET ${name('activates_at')} = ${name('created_at')}`);
    await queryRunner.changeColumn('signing_keys', nullable, new TableColumn({ name: 'activates_at', type: timestamp, isNullable: false }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('signing_keys', 'activates_at');
  }
}
