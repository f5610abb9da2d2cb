// A gate the test controls, made of a real lock: while it is closed, a calendar job that has
// started cannot read the todos (the test's transaction holds an exclusive lock on the table),
// so it stays STARTED for exactly as long as the test wants, with no timing window.
import pg from 'pg'

export interface Gate { open (): Promise<void> }

export async function closeTodosGate (databaseUrl: string): Promise<Gate> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  await client.query('begin')
  await client.query('lock table todos in access exclusive mode')
  let opened = false
  return {
    async open () {
      if (opened) return
      opened = true
      await client.query('rollback')
      await client.end()
    }
  }
}
