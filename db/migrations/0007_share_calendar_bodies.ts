// Identical calendars are stored once. A calendar's text (its body: chunks of about 1 MiB) is kept
// under a content hash, and each task only points at a body: a client asking for the same
// calendar over unchanged todos again and again adds one small row per task, not a copy.
//
// The hash is SHA-256 of the text with each DTSTAMP value left out (the DTSTAMP lines say when
// the text was rendered, which differs between renders of the same todos): two texts that differ
// only there are the same calendar, and a task is served the body that was stored first.
// src/calendar/body-hash.ts computes the same hash; the expression below must stay equal to it.
//
// Existing calendars move over in place: the chunk table becomes the body chunk table (its rows
// re-keyed, the text itself not copied), and calendars with the same content collapse into one
// body. Like every migration, this runs in one transaction.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calendar_bodies')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('sha256', 'bytea', (col) => col.notNull())
    .addColumn('event_count', 'integer', (col) => col.notNull())
    .addColumn('byte_length', 'bigint', (col) => col.notNull())
    .addColumn('chunk_count', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'timestamp', (col) => col.notNull().defaultTo(sql`(now() at time zone 'utc')`))
    .addColumn('source_task_id', 'uuid') // only while migrating
    .execute()
  // Not unique: a large calendar is checked against the bodies its transaction's snapshot sees,
  // so two identical ones finished at the same moment may both be kept (see store.ts).
  await db.schema.createIndex('calendar_bodies_sha256_idx').on('calendar_bodies').column('sha256').execute()

  // Calendars without any chunk could never be read (their download answers 410 either way).
  await sql`delete from calendars c where not exists (select 1 from calendar_chunks k where k.task_id = c.task_id)`.execute(db)
  await sql`alter table calendars add column body_id bigint, add column content_sha256 bytea`.execute(db)
  await sql`
    update calendars c set content_sha256 = h.sha256
    from (
      select task_id, sha256(convert_to(
        regexp_replace(string_agg(data, '' order by seq), '(^|\n)DTSTAMP:[^\r\n]*', '\\1DTSTAMP:', 'g'), 'UTF8')) as sha256
      from calendar_chunks group by task_id
    ) h
    where h.task_id = c.task_id`.execute(db)
  // One body per distinct content, made from the earliest of its calendars.
  await sql`
    insert into calendar_bodies (sha256, event_count, byte_length, chunk_count, created_at, source_task_id)
    select distinct on (content_sha256) content_sha256, event_count, byte_length, chunk_count, created_at, task_id
    from calendars order by content_sha256, created_at, task_id`.execute(db)
  await sql`update calendars c set body_id = b.id from calendar_bodies b where b.sha256 = c.content_sha256`.execute(db)

  // The chunks of the source calendars become the bodies' chunks; the copies go.
  await sql`alter table calendar_chunks drop constraint calendar_chunks_task_id_fkey`.execute(db)
  await sql`delete from calendar_chunks k where not exists (select 1 from calendar_bodies b where b.source_task_id = k.task_id)`.execute(db)
  await sql`alter table calendar_chunks rename to calendar_body_chunks`.execute(db)
  await sql`alter table calendar_body_chunks add column body_id bigint`.execute(db)
  await sql`update calendar_body_chunks k set body_id = b.id from calendar_bodies b where b.source_task_id = k.task_id`.execute(db)
  await sql`alter table calendar_body_chunks drop constraint calendar_chunks_pkey, drop column task_id`.execute(db)
  await sql`alter table calendar_body_chunks alter column body_id set not null`.execute(db)
  await sql`alter table calendar_body_chunks add constraint calendar_body_chunks_pkey primary key (body_id, seq)`.execute(db)
  // Deferred, as before: a large body's chunks are written as they fill up, its row last.
  await sql`
    alter table calendar_body_chunks add constraint calendar_body_chunks_body_id_fkey
      foreign key (body_id) references calendar_bodies (id) on delete cascade deferrable initially deferred`.execute(db)
  await sql`alter table calendar_bodies drop column source_task_id`.execute(db)

  // A task points at its body; a body in use cannot be deleted (no action, checked at once).
  await sql`
    alter table calendars
      drop column content_sha256, drop column event_count, drop column byte_length, drop column chunk_count,
      alter column body_id set not null,
      add constraint calendars_body_id_fkey foreign key (body_id) references calendar_bodies (id)`.execute(db)
  await db.schema.createIndex('calendars_body_id_idx').on('calendars').column('body_id').execute()
}
