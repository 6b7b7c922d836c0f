// The Admin UI build's rewrite of Keystone's KeystoneProvider (server/keystoneProviderLoader.cjs),
// run on the module of the installed @keystone-6/core: its Google Fonts link leads to this app's
// stylesheet and its Apollo cache merges Keystone's admin-meta objects; a module that no longer has
// exactly those lines stops the build with a message naming the loader.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { FONTS_STYLESHEET } from '../../../server/adminUi'

const require = createRequire(import.meta.url)
const loader = require('../../../server/keystoneProviderLoader.cjs') as (
  this: { resourcePath: string },
  source: string,
) => string
const dist = path.join(path.dirname(require.resolve('@keystone-6/core/package.json')), 'dist')
// the one module of Keystone's that names Google Fonts: the KeystoneProvider
const providers = readdirSync(dist).filter(
  name => name.endsWith('.js') && readFileSync(path.join(dist, name), 'utf8').includes('fonts.googleapis.com'),
)

function rewrite(source: string): string {
  return loader.call({ resourcePath: 'context.js' }, source)
}

test("Keystone's KeystoneProvider links to the app's own stylesheet and merges the admin-meta cache objects", () => {
  assert.equal(providers.length, 1, providers.join(', '))
  const rewritten = rewrite(readFileSync(path.join(dist, providers[0]!), 'utf8'))
  assert.doesNotMatch(rewritten, /fonts\.(googleapis|gstatic)\.com/)
  assert.ok(rewritten.includes(`href: "${FONTS_STYLESHEET}"`))
  assert.match(
    rewritten,
    /new InMemoryCache\(\{ typePolicies: \{ KeystoneMeta: \{ merge: true \}, KeystoneAdminMeta: \{ merge: true \} \} \}\)/,
  )
})

test('a KeystoneProvider without the lines the loader rewrites stops the build, naming the loader', () => {
  const source = readFileSync(path.join(dist, providers[0]!), 'utf8')
  assert.throws(() => rewrite(source.replace('new InMemoryCache()', 'new InMemoryCache({})')), /keystoneProviderLoader/)
  assert.throws(
    () =>
      rewrite(
        source.replace(
          /https:\/\/fonts\.googleapis\.com\/css2\?family=Inter/,
          'https://fonts.googleapis.com/css?family=Roboto',
        ),
      ),
    /keystoneProviderLoader/,
  )
})
