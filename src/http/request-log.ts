import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/** One log line per request, when it completes, instead of Fastify's two: half the logging cost. */
export class OneLinePerRequest extends LogController {
  override incomingRequest (): void {}
  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }
    if (error) request.log.error({ ...line, err: error }, 'request errored')
    else request.log.info(line, 'request')
  }
}
