// What a demo message carries, and how a subscriber prints it. The course's line is
// `[11:41:41] Client 1: Message 0`, where the name is the publisher's.

export interface DemoMessage {
  publisher: string
  body: string
  /** position in its publisher's run, for the order check */
  seq: number
  /** one id per publisher run: a re-run starts again at 0 without counting as disorder */
  run: string
  /** when the publisher sent it (ISO), for the delivery delay */
  sentAt: string
}

export function isDemoMessage (data: unknown): data is DemoMessage {
  const m = data as Partial<DemoMessage> | null
  return typeof m?.publisher === 'string' && typeof m.body === 'string' && Number.isInteger(m.seq) &&
    typeof m.run === 'string' && typeof m.sentAt === 'string'
}

export function clock (at: Date): string {
  return at.toTimeString().slice(0, 8)
}

export function deliveryLine (at: Date, message: Pick<DemoMessage, 'publisher' | 'body'>, attempt: number): string {
  return `[${clock(at)}] ${message.publisher}: ${message.body}${attempt > 1 ? `  (attempt ${attempt})` : ''}`
}
