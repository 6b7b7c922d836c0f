// A Turbopack loader for one module of @keystone-6/core 8: the Admin UI's KeystoneProvider
// (dist/context-*.js), wired by server/adminUi.ts. Two changes, each to a line of Keystone's that
// has no option to configure it:
// - its <link> to Google Fonts (Inter) leads to the copy this server serves (/fonts/inter.css),
//   so no staff browser contacts a third party and an offline machine loads the same typeface;
// - its Apollo cache merges Keystone's two unnormalized admin-meta objects (KeystoneMeta,
//   KeystoneAdminMeta) instead of replacing them: an item page's KsFetchItem writes
//   keystone.adminMeta.list(…) and, replacing the object, drops the lists KsFetchAdminMeta had
//   written, so each refetched the other's loss until Apollo gave up with its "stopped refetching
//   … incomplete cache result" warning (one per item page, hundreds a session).
// A Keystone upgrade that changes either line fails the build here instead of quietly bringing
// the third-party request or the refetching back.
'use strict'

const GOOGLE_FONTS_HREF = /"https:\/\/fonts\.googleapis\.com\/css2\?family=Inter[^"]*"/g
const LOCAL_FONTS_HREF = '"/fonts/inter.css"'
const DEFAULT_CACHE = 'new InMemoryCache()'
const MERGING_CACHE =
  'new InMemoryCache({ typePolicies: { KeystoneMeta: { merge: true }, KeystoneAdminMeta: { merge: true } } })'

module.exports = function keystoneProviderLoader(source) {
  const fonts = source.match(GOOGLE_FONTS_HREF) ?? []
  const caches = source.split(DEFAULT_CACHE).length - 1
  if (fonts.length !== 1 || caches !== 1)
    throw new Error(
      `server/keystoneProviderLoader.cjs: ${this.resourcePath} no longer has the one Google Fonts link and the one ` +
        `Apollo cache it rewrites (found ${fonts.length} and ${caches}); check the new @keystone-6/core and update the loader`,
    )
  const rewritten = source.replace(GOOGLE_FONTS_HREF, LOCAL_FONTS_HREF).replace(DEFAULT_CACHE, MERGING_CACHE)
  if (/fonts\.(googleapis|gstatic)\.com/.test(rewritten))
    throw new Error(`server/keystoneProviderLoader.cjs: ${this.resourcePath} still names Google Fonts`)
  return rewritten
}
