// What this app adds to Keystone's Admin UI build and serves beside it, so that the Admin UI and
// its public pages load nothing from another origin:
// - the Next.js config Keystone writes (.keystone/admin/next.config.js), the same plus one
//   Turbopack rule: server/keystoneProviderLoader.cjs rewrites Keystone's KeystoneProvider, whose
//   Google Fonts link and Apollo cache have no option (that file says why and how);
// - the tsconfig.json Next.js would otherwise write into the Admin UI's folder, and say so;
// - the Inter typeface the Admin UI is drawn in, from the @fontsource-variable/inter package
//   (SIL Open Font License), at /fonts/: the stylesheet the rewritten link names, and its font files.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Express, RequestHandler } from 'express'

// the stylesheet the Admin UI links to, and where its font files are
export const FONTS_PATH = '/fonts'
export const FONTS_STYLESHEET = `${FONTS_PATH}/inter.css`

const LOADER = path.join(process.cwd(), 'server', 'keystoneProviderLoader.cjs')

// Keystone's own next.config.js (@keystone-6/core scripts/cli nextConfigTemplate, no basePath), plus the rule
function nextConfigSource(): string {
  return `// written by server/adminUi.ts: Keystone's Next.js config, plus the KeystoneProvider rewrite
const nextConfig = {
  bundlePagesRouterDependencies: true,
  typescript: {
    ignoreBuildErrors: true,
  },
  // the custom admin-ui pages in ./admin import ts files into nextjs
  transpilePackages: ['../../admin'],
  turbopack: {
    rules: {
      '*.js': {
        condition: {
          all: [{ path: /@keystone-6[\\\\/]core[\\\\/]dist[\\\\/]context-[^\\\\/]+\\.js$/ }, { content: /fonts\\.googleapis\\.com/ }],
        },
        loaders: [${JSON.stringify(LOADER)}],
      },
    },
  },
}

module.exports = nextConfig
`
}

// what Next.js would write into .keystone/admin on every `npm run dev` and `npm run build` (and
// say so): its own defaults for a pages folder holding TypeScript
const ADMIN_UI_TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2017',
      lib: ['dom', 'dom.iterable', 'esnext'],
      allowJs: true,
      skipLibCheck: true,
      strict: false,
      noEmit: true,
      incremental: true,
      module: 'esnext',
      esModuleInterop: true,
      moduleResolution: 'bundler',
      resolveJsonModule: true,
      isolatedModules: true,
      jsx: 'react-jsx',
    },
    include: ['next-env.d.ts', '**/*.mts', '**/*.ts', '**/*.tsx'],
    exclude: ['node_modules'],
  },
  null,
  2,
)}\n`

/** The files this app adds to the Admin UI build (config.ui.getAdditionalFiles). */
export async function adminUiFiles() {
  return [
    { mode: 'write' as const, src: nextConfigSource(), outputPath: 'next.config.js' },
    // the Admin UI's folder holds our .tsx pages: given its tsconfig.json, Next.js has none to write and announce
    { mode: 'write' as const, src: ADMIN_UI_TSCONFIG, outputPath: 'tsconfig.json' },
  ]
}

// the variable-weight Inter (100-900: every weight Keystone's Google link asked for, 400-700),
// named `Inter` as the Admin UI's font stack names it, with its files at FONTS_PATH/files/
function fontFiles(): { stylesheet: string; files: Map<string, string> } {
  // resolved from the working folder up (the PostgreSQL test server runs in a folder below the project)
  const resolve = createRequire(path.join(process.cwd(), 'package.json')).resolve
  const packageDir = path.dirname(resolve('@fontsource-variable/inter/package.json'))
  const filesDir = path.join(packageDir, 'files')
  const stylesheet = readFileSync(path.join(packageDir, 'wght.css'), 'utf8')
    .replaceAll("font-family: 'Inter Variable'", 'font-family: Inter')
    .replaceAll('url(./files/', `url(${FONTS_PATH}/files/`)
  const files = new Map<string, string>()
  for (const name of readdirSync(filesDir))
    if (name.endsWith('-wght-normal.woff2') && stylesheet.includes(`${FONTS_PATH}/files/${name}`))
      files.set(name, path.join(filesDir, name))
  return { stylesheet, files }
}

const ONE_YEAR = 60 * 60 * 24 * 365

/** Serve the Admin UI's typeface at FONTS_PATH: no session needed, every page draws with it. */
export function serveFonts(app: Express): void {
  const { stylesheet, files } = fontFiles()
  const serveStylesheet: RequestHandler = (_req, res) => {
    // the stylesheet's name does not change with the package's version: cached a day, not forever
    res.set('cache-control', 'public, max-age=86400').type('text/css; charset=utf-8').send(stylesheet)
  }
  const serveFile: RequestHandler = (req, res, next) => {
    const file = files.get(String(req.params.name))
    if (!file || !existsSync(file)) return next()
    res.sendFile(file, { maxAge: ONE_YEAR * 1000, immutable: true, headers: { 'content-type': 'font/woff2' } })
  }
  app.get(FONTS_STYLESHEET, serveStylesheet)
  app.get(`${FONTS_PATH}/files/:name`, serveFile)
}
