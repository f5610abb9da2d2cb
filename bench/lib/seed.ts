import { sql } from './database.ts'

/**
 * n todos inserted by Postgres itself, with text that needs escaping. By default every tenth has
 * no deadline and every third is completed, as a real list would be; `full` gives every todo a
 * deadline and titles and descriptions near their limits (80 and 120 characters), the shape of
 * the 45 MB calendar of 100,000 todos.
 */
export async function seedTodos (url: string, n: number, { full = false } = {}): Promise<void> {
  const shortText = {
    title: "'Todo ' || i || ': read chapter ' || (i % 40) || ', then; summarise'",
    description: "case when i % 2 = 0 then 'Notes, part ' || i || E'\\nwith a second line' end",
    deadline: "case when i % 10 <> 0 then timestamp '2026-01-01' + (i || ' minutes')::interval end"
  }
  const fullText = {
    title: "left('Todo ' || i || ': read chapter ' || (i % 40) || ', then; summarise the argument, with notes, for the tutorial group', 80)",
    description: "left('Notes, part ' || i || E'\\nbring the textbook; check the lecture slides, the recording, and the practical sheet ' || repeat('.', 20), 120)",
    deadline: "timestamp '2026-01-01' + (i || ' minutes')::interval"
  }
  const { title, description, deadline } = full ? fullText : shortText
  await sql(url, `
    insert into todos (title, description, completed, deadline_at)
    select ${title}, ${description}, i % 3 = 0, ${deadline}
    from generate_series(1, $1::int) as i`, [n])
}
