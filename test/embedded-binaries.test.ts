// As root, the embedded Postgres runs as the postgres user from a copy of its binaries. A copy that
// another user could have written (wrong owner, writable by others, a symbolic link) is never
// run: it is made again, and a folder above it that others can write is refused. The tests run as
// root here, so they plant such copies for real (owned by nobody, mode 777, a link elsewhere).
import { existsSync } from 'node:fs'
import { chmod, chown, lstat, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t, { type Test as Tap } from 'tap'
import { trustedCopy } from '../src/db/embedded/trusted-copy.ts'
import { sharedTempDir } from './helpers/tmp.ts'

const NOBODY = 65534
const asRoot = process.getuid?.() === 0

if (!asRoot) {
  t.test('binary copies made as root', { skip: 'needs root (it plants copies owned by other users)' }, () => {})
} else {
  await run()
}

async function run () {
  const base = await sharedTempDir(t)
  const source = path.join(base, 'package')
  await mkdir(path.join(source, 'bin'), { recursive: true })
  await writeFile(path.join(source, 'bin', 'postgres'), '#!/bin/sh\necho the real postgres\n', { mode: 0o755 })
  await mkdir(path.join(source, 'lib'))
  await writeFile(path.join(source, 'lib', 'libpq.so.5.18'), 'library')
  await symlink('libpq.so.5.18', path.join(source, 'lib', 'libpq.so.5'))

  const cache = path.join(base, 'cache')
  const target = path.join(cache, 'linux-x64-18')
  const binary = path.join(target, 'bin', 'postgres')
  const isTheRealCopy = async (t: Tap) => {
    t.equal(await readFile(binary, 'utf8'), '#!/bin/sh\necho the real postgres\n', 'bin/postgres is the package\'s')
    t.equal((await lstat(target)).uid, 0, 'owned by root')
    t.ok((await lstat(target)).isDirectory(), 'a real folder')
    t.equal((await stat(target)).mode & 0o022, 0, 'writable by root only')
    t.equal(await readFile(path.join(target, 'lib', 'libpq.so.5'), 'utf8'), 'library', 'links inside are kept')
  }
  const plant = async () => {
    await rm(target, { recursive: true, force: true })
    await mkdir(path.join(target, 'bin'), { recursive: true })
    await writeFile(binary, '#!/bin/sh\necho planted\n', { mode: 0o755 })
  }

  t.test('made once, then reused as it is', async (t) => {
    await trustedCopy(source, target)
    await isTheRealCopy(t)
    const inode = (await stat(binary)).ino
    await trustedCopy(source, target)
    t.equal((await stat(binary)).ino, inode, 'a trusted copy is not made again')
  })

  t.test('a copy owned by another user is not used: it is made again', async (t) => {
    await plant()
    for (const p of [target, path.join(target, 'bin'), binary]) await chown(p, NOBODY, NOBODY)
    await trustedCopy(source, target)
    await isTheRealCopy(t)
  })

  t.test('a copy writable by everyone (chmod 777) is not used', async (t) => {
    await plant()
    await chmod(target, 0o777)
    await trustedCopy(source, target)
    await isTheRealCopy(t)
  })

  t.test('one file inside owned by another user is enough to refuse the copy', async (t) => {
    await trustedCopy(source, target)
    await writeFile(binary, '#!/bin/sh\necho planted\n')
    await chown(binary, NOBODY, NOBODY)
    await trustedCopy(source, target)
    await isTheRealCopy(t)
  })

  t.test('a symbolic link in its place is removed, and what it points to is left alone', async (t) => {
    const elsewhere = path.join(base, 'elsewhere')
    await mkdir(path.join(elsewhere, 'bin'), { recursive: true })
    await writeFile(path.join(elsewhere, 'bin', 'postgres'), '#!/bin/sh\necho planted\n', { mode: 0o755 })
    await rm(target, { recursive: true, force: true })
    await symlink(elsewhere, target)
    await trustedCopy(source, target)
    await isTheRealCopy(t)
    t.equal(await readFile(path.join(elsewhere, 'bin', 'postgres'), 'utf8'), '#!/bin/sh\necho planted\n', 'the link\'s target is untouched')
  })

  t.test('a folder above it that others can write is refused, naming it', async (t) => {
    await plant()
    await chown(target, NOBODY, NOBODY)
    await chmod(cache, 0o777)
    await t.rejects(trustedCopy(source, target), { message: new RegExp(`${cache} is writable by group or others \\(mode 777\\).*DATABASE_URL`) })
    t.equal(await readFile(binary, 'utf8'), '#!/bin/sh\necho planted\n', 'nothing was run or replaced')
    await chmod(cache, 0o755)
    await chown(cache, NOBODY, NOBODY)
    await t.rejects(trustedCopy(source, target), { message: new RegExp(`${cache} is owned by uid ${NOBODY}, not root`) })
    await chown(cache, 0, 0)
    await trustedCopy(source, target)
    await isTheRealCopy(t)
    t.notOk(existsSync(`${target}.${process.pid}.tmp`), 'no partial copy left behind')
  })
}
