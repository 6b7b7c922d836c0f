// The README and the docs against what they describe: the README's configuration names every
// setting of .env.example, .env.example holds every setting env.ts reads, and every relative
// link in the README, CONTRIBUTING.md and docs/ leads to a file (and heading) that exists.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8')

const envExample = [...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(m => m[1]!)

// the settings env.ts reads: `raw.NAME`, `raw[NAME]` and the first argument ('NAME') of any reading
// helper, named or not (int, flag, oneOf, url, portNumber, nonNegativeInt, and the next one added)
function settingsReadByEnv(): string[] {
  const source = read('env.ts')
  const names = new Set<string>()
  for (const match of source.matchAll(/\braw\.([A-Z][A-Z0-9_]*)/g)) names.add(match[1]!)
  for (const match of source.matchAll(/\b[a-z]\w*(?:<[^>]*>)?\(\s*'([A-Z][A-Z0-9_]*)'/g)) names.add(match[1]!)
  // set by the scripts themselves, not a setting of .env
  names.delete('NODE_ENV')
  return [...names].sort()
}

test('the README names every setting of .env.example, in its Configuration section', () => {
  const readme = read('README.md')
  const configuration = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? ''
  assert.ok(envExample.length > 10, '.env.example lists its settings as NAME=value')
  assert.deepEqual(
    envExample.filter(name => !configuration.includes(`\`${name}\``)),
    [],
  )
})

test('.env.example holds every setting env.ts reads', () => {
  const read = settingsReadByEnv()
  assert.ok(
    ['DATABASE_URL', 'SESSION_SECRET', 'REFRESH_REUSE_GRACE_SECONDS'].every(name => read.includes(name)),
    'env.ts is read as expected',
  )
  assert.deepEqual(
    read.filter(name => !envExample.includes(name)),
    [],
  )
})

// a heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')

test('every relative link in the README, CONTRIBUTING.md and docs/ leads to a file and heading that exist', () => {
  const files = ['README.md', 'CONTRIBUTING.md', ...readdirSync(path.join(ROOT, 'docs')).map(name => `docs/${name}`)]
  const broken: string[] = []
  for (const file of files.filter(name => name.endsWith('.md'))) {
    // links outside code blocks
    const text = read(file).replace(/```[\s\S]*?```/g, '')
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!
      if (/^[a-z]+:/.test(target)) continue
      const [targetPath, anchor] = target.split('#') as [string, string | undefined]
      const resolved = targetPath ? path.join(path.dirname(path.join(ROOT, file)), targetPath) : path.join(ROOT, file)
      if (!existsSync(resolved)) {
        broken.push(`${file}: ${target}`)
        continue
      }
      if (anchor && resolved.endsWith('.md')) {
        const headings = [...readFileSync(resolved, 'utf8').matchAll(/^#+\s+(.*)$/gm)].map(m => anchorOf(m[1]!))
        if (!headings.includes(anchor)) broken.push(`${file}: ${target} (no such heading)`)
      }
    }
  }
  assert.deepEqual(broken, [])
})
