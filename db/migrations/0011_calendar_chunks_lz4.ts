// Calendar chunks compressed with lz4 rather than Postgres's default pglz, where the server has
// it: compressing is on the path of every calendar stored (a 100,000-todo calendar is 36 MB of
// text), and on this machine pglz took 260-320 ms for 20 MB of calendar text where lz4 took 53 ms,
// for the same stored size (10.2 vs 10.1 MB). A server built without lz4 (the embedded PostgreSQL
// binaries are) keeps pglz. Only values written from now on are affected; older ones stay readable.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await sql`
    do $$
    begin
      alter table calendar_body_chunks alter column data set compression lz4;
    exception when feature_not_supported then
      raise notice 'this server has no lz4: calendar chunks stay compressed with pglz';
    end
    $$`.execute(db)
}
