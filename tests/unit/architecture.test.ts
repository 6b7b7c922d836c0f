// The import direction of the source tree (docs/ARCHITECTURE.md, "Layers"): each layer imports only
// itself and the layers below it, a domain module imports another only through its index.ts and
// only along the modules' own order, and no folder or file imports its way back to itself.
// Imports are read with TypeScript's own scanner, which sees type-only, re-exported and dynamic
// imports too.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const ROOT = path.resolve(import.meta.dirname, '../..')
const SOURCE_FOLDERS = ['access', 'lists', 'mutations', 'server', 'services', 'scripts']

// lowest first; a file may import its own layer and any layer below
const LAYERS: { name: string; holds: (file: string) => boolean }[] = [
  { name: 'kernel', holds: file => ['env.ts', 'database.ts'].includes(file) || file.startsWith('services/kernel/') },
  { name: 'modules', holds: file => file.startsWith('services/') },
  { name: 'access', holds: file => file.startsWith('access/') },
  { name: 'lists', holds: file => file.startsWith('lists/') },
  { name: 'mutations', holds: file => file.startsWith('mutations/') },
  {
    name: 'server',
    holds: file => file.startsWith('server/') || ['auth.ts', 'schema.ts', 'keystone.ts'].includes(file),
  },
  // the bench of enumeration timing starts its servers with the tests' own helpers
  {
    name: 'scripts',
    holds: file => file.startsWith('scripts/') || file.startsWith('tests/helpers/') || file === 'prisma.config.ts',
  },
]

// which modules each module may import (besides itself): the modules' own order, lowest first
export const MODULE_IMPORTS: Record<string, string[]> = {
  kernel: [],
  identity: ['kernel'],
  messaging: ['kernel'],
  users: ['kernel', 'identity', 'messaging'],
  addresses: ['kernel', 'users'],
  staff: ['kernel', 'identity', 'messaging', 'users'],
  accounts: ['kernel', 'identity', 'messaging', 'users', 'addresses', 'staff'],
}

// env.ts reads the one leaf of the kernel it needs directly: through the index it would load itself again
const ALLOWED_LEAF_IMPORTS = new Set([
  'env.ts -> services/kernel/trustProxy.ts',
  // database.ts keeps the request's budget, and services/kernel/sql.ts imports database.ts
  'database.ts -> services/kernel/requestBudget.ts',
])

type Edge = { from: string; to: string }

function sourceFiles(): string[] {
  const files = readdirSync(ROOT).filter(name => name.endsWith('.ts'))
  const walk = (folder: string) => {
    for (const name of readdirSync(path.join(ROOT, folder))) {
      const relative = `${folder}/${name}`
      if (statSync(path.join(ROOT, relative)).isDirectory()) walk(relative)
      else if (name.endsWith('.ts')) files.push(relative)
    }
  }
  for (const folder of SOURCE_FOLDERS) if (existsSync(path.join(ROOT, folder))) walk(folder)
  return files.sort()
}

function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier))
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) {
    if (existsSync(path.join(ROOT, candidate)) && statSync(path.join(ROOT, candidate)).isFile()) return candidate
  }
  return undefined
}

function importEdges(files: string[]): Edge[] {
  const edges: Edge[] = []
  for (const from of files) {
    const info = ts.preProcessFile(readFileSync(path.join(ROOT, from), 'utf8'), true, true)
    for (const imported of info.importedFiles) {
      const to = resolveImport(from, imported.fileName)
      if (to && !to.startsWith('generated/') && to.endsWith('.ts')) edges.push({ from, to })
    }
  }
  return edges
}

function layerOf(file: string): number {
  const index = LAYERS.findIndex(layer => layer.holds(file))
  assert.notEqual(index, -1, `${file} belongs to no layer`)
  return index
}

function moduleOf(file: string): string | undefined {
  return /^services\/([^/]+)\//.exec(file)?.[1]
}

function cycleIn(nodes: string[], next: (node: string) => string[]): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const trail: string[] = []
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined
    if (state.get(node) === 'open') return [...trail.slice(trail.indexOf(node)), node]
    state.set(node, 'open')
    trail.push(node)
    for (const to of next(node)) {
      const cycle = visit(to)
      if (cycle) return cycle
    }
    trail.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of nodes) {
    const cycle = visit(node)
    if (cycle) return cycle
  }
  return undefined
}

/** Every way the tree breaks the import rules; empty when it keeps them. */
export function architectureProblems(files: string[], edges: Edge[]): string[] {
  const problems: string[] = []
  for (const { from, to } of edges) {
    if (ALLOWED_LEAF_IMPORTS.has(`${from} -> ${to}`)) continue
    if (layerOf(to) > layerOf(from)) {
      problems.push(`${from} imports ${to}: ${LAYERS[layerOf(from)]!.name} may not import ${LAYERS[layerOf(to)]!.name}`)
      continue
    }
    const [fromModule, toModule] = [moduleOf(from), moduleOf(to)]
    if (!toModule || fromModule === toModule) continue
    if (!to.endsWith(`services/${toModule}/index.ts`))
      problems.push(`${from} imports ${to}: outside services/${toModule}/, import its index.ts`)
    if (fromModule && !MODULE_IMPORTS[fromModule]?.includes(toModule))
      problems.push(`${from} imports ${to}: ${fromModule} may not import ${toModule}`)
  }
  // a module is one node, and so is each root file, whose layers differ (env.ts to keystone.ts),
  // except env.ts and database.ts, which the style model keeps at the root (docs/ARCHITECTURE.md) but which are the kernel's
  const folderOf = (file: string) => {
    if (LAYERS[0]!.holds(file)) return 'kernel'
    return moduleOf(file) ? `services/${moduleOf(file)}` : file.includes('/') ? path.posix.dirname(file) : file
  }
  const folders = [...new Set(files.map(folderOf))]
  const folderEdges = new Map<string, Set<string>>()
  for (const { from, to } of edges) {
    if (folderOf(from) !== folderOf(to))
      folderEdges.set(folderOf(from), (folderEdges.get(folderOf(from)) ?? new Set()).add(folderOf(to)))
  }
  const folderCycle = cycleIn(folders, folder => [...(folderEdges.get(folder) ?? [])])
  if (folderCycle) problems.push(`folders import each other in a circle: ${folderCycle.join(' -> ')}`)
  const fileEdges = new Map<string, string[]>()
  for (const { from, to } of edges) fileEdges.set(from, [...(fileEdges.get(from) ?? []), to])
  const fileCycle = cycleIn(files, file => fileEdges.get(file) ?? [])
  if (fileCycle) problems.push(`files import each other in a circle: ${fileCycle.join(' -> ')}`)
  return problems
}

describe('the import direction', () => {
  test('the source tree keeps every layer, module and cycle rule', () => {
    const files = sourceFiles()
    assert.ok(files.length > 100, 'the scan found the source files')
    assert.deepEqual(architectureProblems(files, importEdges(files)), [])
  })

  test('only the modules, the seed and the test helpers make trusted contexts', () => {
    // a trusted context skips the list hooks' scope checks (services/kernel/trusted.ts)
    const allowed = (file: string) =>
      file.startsWith('services/') || file === 'scripts/seed.ts' || file.startsWith('tests/helpers/')
    const makers = sourceFiles().filter(file =>
      /import\s*\{[^}]*\btrusted\b[^}]*\}\s*from/.test(readFileSync(path.join(ROOT, file), 'utf8')),
    )
    assert.ok(makers.length > 0, 'the scan finds the modules that make trusted contexts')
    assert.deepEqual(
      makers.filter(file => !allowed(file)),
      [],
    )
  })

  test('one unit of work: transactions open in the kernel only, and only messaging wakes its workers', () => {
    // services/kernel/transactions.ts: inTransaction wakes the workers after the outermost commit
    const sources = sourceFiles().filter(file => !file.startsWith('tests/') && !file.startsWith('scripts/'))
    const calling = (pattern: RegExp) =>
      sources.filter(file => pattern.test(readFileSync(path.join(ROOT, file), 'utf8')))
    // the delivery workers' own short transactions queue nothing (services/messaging/deliveryQueue.ts)
    assert.deepEqual(calling(/\.transaction\(/), [
      'services/kernel/transactions.ts',
      'services/messaging/deliveryQueue.ts',
    ])
    assert.deepEqual(calling(/\bkick(Outbox|Webhooks)\(\)/), [
      'services/messaging/outbox.ts',
      'services/messaging/webhooks.ts',
    ])
  })

  test('an upward import is reported', () => {
    const files = ['services/kernel/errors.ts', 'lists/User.ts']
    assert.deepEqual(architectureProblems(files, [{ from: 'services/kernel/errors.ts', to: 'lists/User.ts' }]), [
      'services/kernel/errors.ts imports lists/User.ts: kernel may not import lists',
    ])
  })

  test("a module reached past its index, or against the modules' order, is reported", () => {
    const files = [
      'services/identity/jwt.ts',
      'services/staff/scope.ts',
      'services/staff/index.ts',
      'mutations/staff/staffCreate.ts',
    ]
    const problems = architectureProblems(files, [
      { from: 'mutations/staff/staffCreate.ts', to: 'services/staff/scope.ts' },
      { from: 'services/identity/jwt.ts', to: 'services/staff/index.ts' },
    ])
    assert.deepEqual(problems, [
      'mutations/staff/staffCreate.ts imports services/staff/scope.ts: outside services/staff/, import its index.ts',
      'services/identity/jwt.ts imports services/staff/index.ts: identity may not import staff',
    ])
  })

  test('a circle of folders and a circle of files are reported', () => {
    const files = ['lists/A.ts', 'lists/B.ts']
    const problems = architectureProblems(files, [
      { from: 'lists/A.ts', to: 'lists/B.ts' },
      { from: 'lists/B.ts', to: 'lists/A.ts' },
    ])
    assert.deepEqual(problems, ['files import each other in a circle: lists/A.ts -> lists/B.ts -> lists/A.ts'])
  })
})
