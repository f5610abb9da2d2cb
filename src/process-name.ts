import os from 'node:os'

/**
 * The application_name of a process's connections (pg-boss's pool and its own): which process
 * made a change, as the task history records it (taskoverflow-worker@host:pid). Postgres keeps
 * 63 bytes of it.
 */
export const processName = (role: string) => `taskoverflow-${role}@${os.hostname()}:${process.pid}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 63)
