/**
 * Every page of a keyset-paged read, in id order: each page is asked for before the previous
 * one is handed out, so the database reads while the caller writes or renders.
 */
export async function * keysetPages<Row extends { id: number }> (
  readPage: (afterId: number, pageSize: number) => Promise<Row[]>,
  pageSize: number
): AsyncGenerator<Row[]> {
  let next = readPage(0, pageSize)
  for (;;) {
    const page = await next
    const more = page.length === pageSize
    if (more) {
      next = readPage(page[page.length - 1]!.id, pageSize)
      next.catch(() => {}) // awaited on the next turn; this only keeps an early exit from leaving it unhandled
    }
    yield page
    if (!more) return
  }
}
