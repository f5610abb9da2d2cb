// The lock that lets only one process migrate at a time, held by a transaction, not a session.
// Kysely's own Postgres lock is a session-level pg_advisory_lock taken before the migrations'
// transaction and released after it. Behind PgBouncer in transaction mode each of those three
// steps may run on a different server session: the unlock then misses, the lock stays with a
// pooled server connection, and the next process to migrate waits on it (kysely's lock_timeout is
// an hour). A failed migration would leave it behind even without a pooler, if the lock were
// taken inside the transaction. pg_advisory_xact_lock inside the migrations' one transaction has
// neither problem: it lives exactly as long as the transaction, on whatever session runs it.
import { PostgresAdapter, PostgresDialect, sql, type DialectAdapter, type Kysely } from 'kysely'

// Any fixed number, shared by every process that migrates this database.
const MIGRATION_LOCK_ID = 7_305_712_940_118_233_421n

/** Take the migration lock for the rest of the current transaction (waits for another holder). */
export async function lockForMigrations (trx: Kysely<any>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_ID)})`.execute(trx)
}

/** Kysely's Postgres adapter, with the migration lock held by the transaction it is given. */
export class TransactionLockAdapter extends PostgresAdapter {
  override async acquireMigrationLock (trx: Kysely<any>): Promise<void> {
    await lockForMigrations(trx) // migrateToLatest took it already; taking it again in one transaction is harmless
  }

  override async releaseMigrationLock (): Promise<void> {
    // Released by the transaction's COMMIT or ROLLBACK.
  }
}

export class TransactionLockDialect extends PostgresDialect {
  override createAdapter (): DialectAdapter {
    return new TransactionLockAdapter()
  }
}
