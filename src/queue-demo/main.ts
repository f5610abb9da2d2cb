#!/usr/bin/env node
// Entry of `npm run queue-demo` (and the `taskoverflow-queue-demo` bin): the course's SQS demo of
// standard and FIFO queues, on pg-boss in the project's own Postgres. Publisher by default,
// subscriber with --receive, --unblock to release a blocked FIFO group. Any problem before the
// work starts (arguments, queue name, database) is one line on stderr and exit code 1.
import { ArgsError, parseDemoArgs, type DemoOptions } from './args.ts'
import { unblock, unblockCommand } from './blocked.ts'
import { ConnectError, connectDemo, type DemoConnection } from './connect.ts'
import { publish } from './publisher.ts'
import { DESCRIPTION, QueueNameError, queueKind, setUpQueue, type QueueKind } from './queue-kind.ts'
import { blockedGroupsLine, Subscriber, SUBSCRIBER_LOOPS } from './subscriber.ts'
import { formatSummary } from './summary.ts'
import { redactSecrets } from '../redact.ts'

let connection: DemoConnection | undefined
try {
  const options = parseDemoArgs(process.argv.slice(2))
  const kind = queueKind(options.name)
  connection = await connectDemo(SUBSCRIBER_LOOPS + 2)
  const { boss, where } = connection
  const made = await setUpQueue(boss, options.name, kind)
  console.log(`Queue ${options.name}: ${DESCRIPTION[kind]} (${made === 'created' ? 'created now' : 'exists'}; in ${where})`)
  if (options.mode === 'publish') await runPublisher(connection, options, kind)
  else if (options.mode === 'unblock') await runUnblock(connection, options, kind)
  else await runSubscriber(connection, options, kind) // returns on Ctrl-C / SIGTERM
  await connection.boss.stop({ graceful: true, timeout: 5000 })
  process.exit(0)
} catch (error) {
  if (error instanceof ArgsError || error instanceof QueueNameError || error instanceof ConnectError) {
    console.error(`queue-demo: ${redactSecrets(error.message)}`)
  } else {
    console.error(`queue-demo: unexpected error: ${redactSecrets((error as Error).stack ?? String(error))}`)
  }
  await connection?.boss.stop({ graceful: false, timeout: 1000 }).catch(() => {})
  process.exit(1)
}

async function runPublisher ({ boss }: DemoConnection, options: DemoOptions, kind: QueueKind): Promise<void> {
  const { accepted, duplicates } = await publish(boss, options.name, kind, options.clientName, options.count)
  console.log(`${options.clientName} sent ${options.count} messages to ${options.name}: ${accepted} accepted, ${duplicates} dropped as duplicates` +
    (kind === 'standard' ? ' (standard queues do not de-duplicate)' : ''))
}

async function runUnblock ({ boss }: DemoConnection, options: DemoOptions, kind: QueueKind): Promise<void> {
  if (kind !== 'fifo') throw new ArgsError(`${options.name} is a standard queue: only FIFO queues have groups that a failed message blocks`)
  const bodies = await unblock(boss, options.name, options.clientName)
  console.log(bodies.length === 0
    ? `Group "${options.clientName}" is not blocked on ${options.name}`
    : `Unblocked group "${options.clientName}": ${bodies.join(', ')} ${bodies.length === 1 ? 'goes' : 'go'} back to the queue for one more try ` +
      `(if it fails for good again, the group blocks again: ${unblockCommand(options.name, options.clientName)})`)
}

async function runSubscriber ({ boss }: DemoConnection, options: DemoOptions, kind: QueueKind): Promise<void> {
  const blocked = await blockedGroupsLine(boss, options.name, kind)
  if (blocked) console.log(blocked)
  const subscriber = new Subscriber(boss, { queue: options.name, kind, failRate: options.failRate, slowMs: options.slowMs })
  subscriber.start()
  console.log(`${options.clientName} is waiting for messages (${SUBSCRIBER_LOOPS} at a time` +
    (options.failRate > 0 ? `, failing ${Math.round(options.failRate * 100)}% on purpose` : '') +
    (options.slowMs > 0 ? `, ${options.slowMs} ms each` : '') + '); Ctrl-C prints a summary and stops')
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  // A second Ctrl-C while the messages in hand finish: leave at once (they come back after expiry).
  process.once('SIGINT', () => process.exit(130))
  console.log(`\n${signal}: finishing the messages in hand`)
  await subscriber.stop()
  for (const line of formatSummary(subscriber.tally.summary())) console.log(line)
  const blockedNow = await blockedGroupsLine(boss, options.name, kind)
  if (blockedNow) console.log(`  ${blockedNow}`)
}
