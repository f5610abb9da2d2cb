// HashiCorp's own HCL parser (Go, compiled to WebAssembly) from @cdktf/hcl2json: the same
// grammar terraform reads, so a file that parses here parses there. Loaded through require
// because its type declarations pull the DOM library into whatever imports them.
import { createRequire } from 'node:module'

interface Hcl2Json {
  parse (filename: string, contents: string): Promise<Record<string, any>>
  getReferencesInExpression (filename: string, expression: string): Promise<Array<{ value: string }>>
}

const hcl = createRequire(import.meta.url)('@cdktf/hcl2json') as Hcl2Json

/**
 * A file as JSON in terraform's JSON syntax: blocks become objects (each labelled block a list
 * of bodies), expressions become "${...}" strings. Throws with the parser's message.
 */
export function parseHcl (filename: string, text: string): Promise<Record<string, any>> {
  return hcl.parse(filename, text)
}

/** The references ("var.x", "aws_lb.api.arn", ...) in one "${...}" string, iterator names excluded. */
export async function referencesIn (filename: string, expression: string): Promise<string[]> {
  return (await hcl.getReferencesInExpression(filename, expression)).map((r) => r.value)
}
