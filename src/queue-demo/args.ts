// The command line, with the course's flags (--name, --client-name, --receive) so its
// instructions carry over word for word. Pure: argv in, options or an ArgsError out.
import { parseArgs } from 'node:util'

export interface DemoOptions {
  /** the queue; a name ending in .fifo is a FIFO queue */
  name: string
  /** who I am: the publisher's name travels with each message (and is its FIFO group) */
  clientName: string
  mode: 'publish' | 'receive' | 'unblock'
  /** publisher: how many messages ("Message 0" .. "Message count-1") */
  count: number
  /** subscriber: share of deliveries that fail on purpose (0..1) */
  failRate: number
  /** subscriber: milliseconds each message takes to handle */
  slowMs: number
}

export class ArgsError extends Error {
  override name = 'ArgsError'
}

export const USAGE = 'usage: npm run queue-demo -- --name <queue>[.fifo] --client-name "<name>" ' +
  '[--receive [--fail-rate 0.3] [--slow-ms 50]] [--count 100] [--unblock]'

export function parseDemoArgs (argv: string[]): DemoOptions {
  let values
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        name: { type: 'string' },
        'client-name': { type: 'string' },
        receive: { type: 'boolean', default: false },
        unblock: { type: 'boolean', default: false },
        count: { type: 'string', default: '100' },
        'fail-rate': { type: 'string', default: '0' },
        'slow-ms': { type: 'string', default: '0' }
      }
    }))
  } catch (error) {
    throw new ArgsError(`${(error as Error).message}; ${USAGE}`)
  }
  if (values.name === undefined) throw new ArgsError(`--name is required; ${USAGE}`)
  const clientName = values['client-name']?.trim()
  if (!clientName) throw new ArgsError(`--client-name is required (e.g. --client-name "Client 1"); ${USAGE}`)
  if (clientName.length > 80) throw new ArgsError('--client-name: at most 80 characters')
  if (values.receive && values.unblock) throw new ArgsError('--receive and --unblock do not go together')
  return {
    name: values.name,
    clientName,
    mode: values.receive ? 'receive' : values.unblock ? 'unblock' : 'publish',
    count: integer('--count', values.count, 1, 100_000),
    failRate: share('--fail-rate', values['fail-rate']),
    slowMs: integer('--slow-ms', values['slow-ms'], 0, 60_000)
  }
}

function integer (flag: string, text: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < min || value > max) throw new ArgsError(`${flag} must be a whole number from ${min} to ${max}, not "${text}"`)
  return value
}

function share (flag: string, text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) throw new ArgsError(`${flag} must be a number from 0 to 1, not "${text}"`)
  return value
}
