// pg-boss reports every failed poll, supervision pass and reconnection as an 'error' event: with
// the database gone, that is a stack trace or two a second for as long as the outage lasts (seen
// with a worker whose `npm start` stopped). While the database is unreachable this says so once,
// checks every 2 s whether it is back, and says that once too; other errors are logged as they come.
import type { PgBoss } from 'pg-boss'
import { isDatabaseUnavailable } from '../db/unavailable.ts'
import type { BaseLogger } from '../logger.ts'

const PROBE_EVERY_MS = 2000

export function logBossErrors (boss: PgBoss, logger: BaseLogger, database: string): void {
  let probe: NodeJS.Timeout | undefined
  boss.on('error', (err) => {
    if (!isDatabaseUnavailable(err)) {
      logger.error({ err }, 'pg-boss error')
      return
    }
    if (probe) return // already said; the probe will say when it is back
    logger.warn(`${database} cannot be reached (${err.message}); waiting for it to come back`)
    probe = setInterval(() => {
      boss.getDb().executeSql('select 1').then(() => {
        clearInterval(probe)
        probe = undefined
        logger.info(`${database} is reachable again`)
      }, () => {})
    }, PROBE_EVERY_MS)
    probe.unref()
  })
  boss.once('stopped', () => clearInterval(probe))
}
