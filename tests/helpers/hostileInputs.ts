// Hostile GraphQL requests generated from the committed schema.graphql: for every query and
// mutation field (Keystone's generated ones and ours), variables an attacker would send: oversized
// strings, hostile scalar values, nulls where values are required, wrong types and unknown enum
// values; for every `<List>WhereInput` argument, deep AND/OR/NOT chains, deep `not` chains,
// relationship chains and trees across lists, huge `in` lists and wide ORs; for list arguments,
// bulk items; for create inputs, nested creates through relationships; and many aliases of the
// field reusing one large variable. Everything comes from a seeded PRNG, so one seed gives the same
// requests every time (HOSTILE_SEED replays another), and every request fits under the server's
// body limit, so that it reaches GraphQL rather than the body parser.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql'

export const DEFAULT_SEED = 16_2026

// the server refuses bodies over 100 KB (server/http.ts): the largest request stays below it
export const MAX_BODY_BYTES = 95_000
// what one large variable may weigh, leaving room for the document
const LARGE_BYTES = 88_000
export const ALIASES = 30
const DEEP = 200
const CHAIN = 40

export type Operation = 'query' | 'mutation'

export type HostileCase = {
  operation: Operation
  field: string
  shape: string
  query: string
  variables: Record<string, unknown>
}

/** FNV-1a, 32 bits: a field's name as a number, to derive its own seed. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0
  return hash
}

/** mulberry32: a small, fast, seeded PRNG (the same seed gives the same sequence everywhere). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function loadSchema(root = path.resolve(import.meta.dirname, '../..')): GraphQLSchema {
  return buildSchema(readFileSync(path.join(root, 'schema.graphql'), 'utf8'))
}

// ---- what a value looks like, for failure messages

/** A one-line description of a value's shape: size, depth, widest object, longest list and string. */
export function describeShape(value: unknown): string {
  let depth = 0
  let widest = 0
  let longestList = 0
  let longestString = 0
  let nodes = 0
  const walk = (v: unknown, d: number) => {
    nodes++
    depth = Math.max(depth, d)
    if (typeof v === 'string') longestString = Math.max(longestString, v.length)
    else if (Array.isArray(v)) {
      longestList = Math.max(longestList, v.length)
      for (const item of v) walk(item, d + 1)
    } else if (v && typeof v === 'object') {
      const keys = Object.keys(v)
      widest = Math.max(widest, keys.length)
      for (const key of keys) walk((v as Record<string, unknown>)[key], d + 1)
    }
  }
  walk(value, 0)
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '')
  const top =
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value as Record<string, unknown>)
          .map(([k, v]) => `${k}:${v === null ? 'null' : Array.isArray(v) ? `list[${v.length}]` : typeof v}`)
          .join(',')
      : typeof value
  return `{${top}} ${(bytes / 1024).toFixed(1)} KB, depth ${depth}, ${nodes} nodes, widest object ${widest}, longest list ${longestList}, longest string ${longestString}`
}

// ---- the generator

type Gen = {
  rand: () => number
  counter: number
}

function pick<T>(gen: Gen, items: readonly T[]): T {
  return items[Math.floor(gen.rand() * items.length)]!
}

function hex(gen: Gen, length: number): string {
  let out = ''
  while (out.length < length) out += Math.floor(gen.rand() * 16).toString(16)
  return out
}

// an id of Keystone's shape (cuid) that names no row: hostile requests never touch the actors' rows
function fakeId(gen: Gen): string {
  return `cfuzz${hex(gen, 20)}`
}

function bytesOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '')
}

const isWhere = (name: string) => name.endsWith('WhereInput') && !name.endsWith('WhereUniqueInput')
const isRelationInput = (name: string) => /RelateTo(One|Many)For(Create|Update)Input$/.test(name)

// a plausible value for a field, by its name: the generated requests should pass the easy checks
function plausibleString(gen: Gen, name: string): string {
  const n = ++gen.counter
  if (/email/i.test(name)) return `fuzz.${n}.${hex(gen, 6)}@example.com`
  if (/url$/i.test(name)) return `http://localhost/fuzz/${n}`
  if (/password/i.test(name)) return `Fuzz-${hex(gen, 12)}-pass`
  if (/^country$|countryCode/i.test(name)) return 'US'
  if (/languageCode/i.test(name)) return 'en'
  if (/token/i.test(name)) return hex(gen, 40)
  if (/channel/i.test(name)) return 'default-channel'
  return `fuzz-${name}-${n}`
}

function plausibleScalar(gen: Gen, scalar: string, name: string): unknown {
  switch (scalar) {
    case 'ID':
      return fakeId(gen)
    case 'Int':
      return /take|first|limit/i.test(name) ? 5 : 0
    case 'Float':
      return 1.5
    case 'Boolean':
      return false
    case 'DateTime':
      return '2026-01-02T03:04:05.000Z'
    case 'JSON':
      return { fuzz: gen.counter++ }
    default:
      return plausibleString(gen, name)
  }
}

// hostile values of the right type: what a resolver receives once GraphQL has let them through
const HOSTILE_STRINGS = [
  "' OR '1'='1' --",
  '%',
  '_%_',
  '\\',
  'a\u0000b',
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '\u202egnp.exe',
  '𝕳𝖊𝖑𝖑𝖔 ＡＢＣ',
  'a\r\nBcc: victim@example.com',
  '../../../etc/passwd',
  ' '.repeat(2000),
  `${'a'.repeat(4000)}!`,
  '\uD800',
  '-1',
  '',
]
const HOSTILE_EMAILS = [
  `${'a'.repeat(3000)}@example.com`,
  `x@${'a.'.repeat(1500)}com`,
  'x@example.com\r\nBcc: victim@example.com',
  'ｘ@ｅｘａｍｐｌｅ.ｃｏｍ',
  'x\u200b@example.com',
  'x@example.com.',
  '"a\\"b"@example.com',
  '@',
  'x@[127.0.0.1]',
]
const HOSTILE_URLS = [
  'http://169.254.169.254/latest/meta-data/',
  'javascript:alert(1)',
  'http://localhost@evil.example/',
  `http://localhost/${'a'.repeat(4000)}`,
  'file:///etc/passwd',
  '//evil.example',
]
const HOSTILE_INTS = [2147483647, -2147483648, -1, 0]

function deepJsonArray(depth: number): unknown {
  let value: unknown = []
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

function hostileScalar(gen: Gen, scalar: string, name: string): unknown {
  switch (scalar) {
    case 'ID':
      return pick(gen, ["1' OR '1'='1", '-1', '0', `c${'z'.repeat(4000)}`, '../', '\u0000', fakeId(gen)])
    case 'Int':
      return pick(gen, HOSTILE_INTS)
    case 'Float':
      return pick(gen, [1e308, -1e308, 5e-324, -0])
    case 'Boolean':
      return true
    case 'DateTime':
      return pick(gen, ['+275760-09-13T00:00:00.000Z', '0001-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z'])
    case 'JSON':
      return pick(gen, [
        deepJsonArray(3000),
        JSON.parse('{"__proto__": {"isStaff": true, "isSuperuser": true}, "constructor": {"prototype": {"x": 1}}}'),
        Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])),
        '\u0000',
      ])
    default:
      if (/email/i.test(name)) return pick(gen, HOSTILE_EMAILS)
      if (/url$/i.test(name)) return pick(gen, HOSTILE_URLS)
      return pick(gen, HOSTILE_STRINGS)
  }
}

function wrongScalar(gen: Gen, scalar: string): unknown {
  switch (scalar) {
    case 'Int':
      return pick(gen, ['12', 1.5, 2 ** 40, true, { $gt: 0 }])
    case 'Float':
      return pick(gen, ['1.5', true, [1]])
    case 'Boolean':
      return pick(gen, ['true', 1, null === null ? 'yes' : 0])
    case 'DateTime':
      return pick(gen, ['yesterday', 1700000000, '2026-13-45T99:99:99Z', { $date: 1 }])
    case 'JSON':
      return undefined // JSON takes anything: nothing is the wrong type
    default:
      return pick(gen, [12345, true, { $ne: null }, { $gt: '' }, [[1]]])
  }
}

type Mode = 'plausible' | 'strings' | 'full' | 'hostile' | 'wrong' | 'unknownEnum'

/**
 * A value of `type`: `plausible` fills what is required (and the nullable scalars at the top),
 * `strings` what is required and every string (what a form sends), `full` every scalar and enum field, `hostile` every scalar with an attacker's value of the right
 * type, `wrong` every leaf with a value of the wrong type, `unknownEnum` every enum with a value
 * that is not one. Relationship inputs are left out (the nested-create shape builds those).
 */
function valueOf(gen: Gen, type: GraphQLInputType, name: string, mode: Mode, depth = 0): unknown {
  if (isNonNullType(type)) return valueOf(gen, type.ofType, name, mode, depth)
  if (isListType(type)) {
    const item = valueOf(gen, type.ofType, name, mode, depth + 1)
    return item === undefined ? undefined : mode === 'wrong' && gen.rand() < 0.3 ? item : [item]
  }
  if (isScalarType(type)) {
    if (mode === 'hostile') return hostileScalar(gen, type.name, name)
    if (mode === 'wrong') return wrongScalar(gen, type.name)
    return plausibleScalar(gen, type.name, name)
  }
  if (isEnumType(type)) {
    if (mode === 'unknownEnum' || mode === 'wrong')
      return pick(gen, ['NOT_A_VALUE', "ASC' OR 1=1", 'desc ', 'asc\u0000'])
    return pick(gen, type.getValues()).name
  }
  if (isInputObjectType(type)) return objectOf(gen, type, mode, depth)
  return undefined
}

function objectOf(gen: Gen, type: GraphQLInputObjectType, mode: Mode, depth: number): unknown {
  if (mode === 'wrong' && gen.rand() < 0.25) return pick(gen, ['an object was expected', 7, [[]]])
  if (isRelationInput(type.name)) return undefined
  if (isWhere(type.name)) return depth > 0 ? undefined : {}
  const fields = Object.values(type.getFields())
  const first = fields[0]
  if (!first) return {}
  if (type.name.endsWith('WhereUniqueInput')) return { id: valueOf(gen, first.type, 'id', mode, depth + 1) }
  // Keystone takes exactly one field per orderBy object
  if (type.name.endsWith('OrderByInput')) return { [first.name]: valueOf(gen, first.type, 'id', mode, depth + 1) }
  const out: Record<string, unknown> = {}
  for (const field of fields) {
    const required = isNonNullType(field.type)
    const named = getNamedType(field.type)
    if (!required && mode === 'plausible' && (depth > 0 || isInputObjectType(named))) continue
    if (
      !required &&
      mode === 'strings' &&
      (!(isScalarType(named) && ['String', 'ID'].includes(named.name)) ||
        /verified|url$|status|reference/i.test(field.name))
    )
      continue
    if (!required && isInputObjectType(named) && depth > 1) continue
    const value = valueOf(gen, field.type, field.name, mode, depth + 1)
    if (value !== undefined) out[field.name] = value
  }
  return out
}

// ---- variables of every argument, and the document

function argsOf(field: GraphQLField<unknown, unknown>): readonly GraphQLArgument[] {
  return field.args
}

function argValues(gen: Gen, field: GraphQLField<unknown, unknown>, mode: Mode): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const arg of argsOf(field)) {
    const required = isNonNullType(arg.type) && arg.defaultValue === undefined
    if (!required && mode === 'plausible') continue
    const value = valueOf(gen, arg.type, arg.name, mode)
    if (value !== undefined) out[arg.name] = value
    else if (required) out[arg.name] = valueOf(gen, arg.type, arg.name, 'plausible') ?? {}
  }
  return out
}

// the smallest selection that resolves the field: a payload's errors, or the type's name
function selectionOf(type: GraphQLOutputType): string {
  const named = getNamedType(type)
  if (!isObjectType(named)) return ''
  const fields = named.getFields()
  if (fields.errors) {
    const errorType = getNamedType(fields.errors.type)
    return isObjectType(errorType) && errorType.getFields().code ? ' { __typename errors { code } }' : ' { __typename }'
  }
  return ' { __typename }'
}

/** The document calling `field` `aliases` times, every call with the same variables. */
export function documentFor(operation: Operation, field: GraphQLField<unknown, unknown>, aliases = 1): string {
  const declared = argsOf(field).map(arg => `$${arg.name}: ${String(arg.type)}`)
  const passed = argsOf(field).map(arg => `${arg.name}: $${arg.name}`)
  const call = `${field.name}${passed.length ? `(${passed.join(', ')})` : ''}${selectionOf(field.type)}`
  const calls = Array.from({ length: aliases }, (_, i) => `f${i}: ${call}`).join(' ')
  return `${operation}${declared.length ? `(${declared.join(', ')})` : ''} { ${calls} }`
}

// ---- where filters

type FilterField = { name: string; filter: GraphQLInputObjectType }

function stringFilterFields(where: GraphQLInputObjectType): FilterField[] {
  return Object.values(where.getFields())
    .map(f => ({ name: f.name, filter: getNamedType(f.type) }))
    .filter((f): f is FilterField => isInputObjectType(f.filter) && /^String(Nullable)?Filter$/.test(f.filter.name))
}

// the relationships a where input can cross: to one (`XWhereInput`) or to many (`some`/`every`/`none`)
function relationFields(
  where: GraphQLInputObjectType,
): { name: string; many: boolean; target: GraphQLInputObjectType }[] {
  const out: { name: string; many: boolean; target: GraphQLInputObjectType }[] = []
  for (const f of Object.values(where.getFields())) {
    if (['AND', 'OR', 'NOT'].includes(f.name)) continue
    const named = getNamedType(f.type)
    if (!isInputObjectType(named)) continue
    if (isWhere(named.name)) out.push({ name: f.name, many: false, target: named })
    else if (named.name.endsWith('ManyRelationFilter')) {
      const some = named.getFields().some
      const target = some && getNamedType(some.type)
      if (target && isInputObjectType(target)) out.push({ name: f.name, many: true, target })
    }
  }
  return out
}

function leafFilter(gen: Gen, where: GraphQLInputObjectType): Record<string, unknown> {
  const strings = stringFilterFields(where)
  if (strings.length === 0) return { id: { equals: fakeId(gen) } }
  const field = pick(gen, strings)
  const op = pick(gen, ['contains', 'startsWith', 'endsWith', 'equals', 'gt'])
  return { [field.name]: { [op]: hex(gen, 2 + Math.floor(gen.rand() * 3)) } }
}

function deepBoolean(gen: Gen, where: GraphQLInputObjectType, depth: number): unknown {
  let value: unknown = leafFilter(gen, where)
  for (let i = 0; i < depth; i++) {
    const op = pick(gen, ['AND', 'OR', 'NOT'])
    value = { [op]: gen.rand() < 0.5 ? [value] : [value, leafFilter(gen, where)] }
  }
  return value
}

function deepNot(gen: Gen, where: GraphQLInputObjectType, depth: number): unknown | undefined {
  const strings = stringFilterFields(where)
  if (strings.length === 0) return undefined
  let value: Record<string, unknown> = { contains: hex(gen, 2) }
  for (let i = 0; i < depth; i++) value = { not: value }
  return { [pick(gen, strings).name]: value }
}

function relationChain(gen: Gen, where: GraphQLInputObjectType, depth: number): unknown | undefined {
  if (relationFields(where).length === 0) return undefined
  const build = (type: GraphQLInputObjectType, left: number): Record<string, unknown> => {
    const relations = relationFields(type)
    if (left === 0 || relations.length === 0) return leafFilter(gen, type)
    const relation = pick(gen, relations)
    const inner = build(relation.target, left - 1)
    return { [relation.name]: relation.many ? { [pick(gen, ['some', 'every', 'none'])]: inner } : inner }
  }
  return build(where, depth)
}

// every relationship at every level, as deep as the body allows
function relationTree(gen: Gen, where: GraphQLInputObjectType): unknown | undefined {
  if (relationFields(where).length === 0) return undefined
  const build = (type: GraphQLInputObjectType, left: number): Record<string, unknown> => {
    const out: Record<string, unknown> = leafFilter(gen, type)
    if (left === 0) return out
    for (const relation of relationFields(type)) {
      const inner = build(relation.target, left - 1)
      out[relation.name] = relation.many ? { some: inner } : inner
    }
    return out
  }
  let best: unknown = build(where, 1)
  for (let depth = 2; depth <= 12; depth++) {
    const tree = build(where, depth)
    if (bytesOf(tree) > LARGE_BYTES) break
    best = tree
  }
  return best
}

function hugeIn(gen: Gen, where: GraphQLInputObjectType): unknown {
  const ids: string[] = []
  const strings = stringFilterFields(where).slice(0, 3)
  const values: string[] = []
  const out: Record<string, unknown> = { id: { in: ids } }
  for (const field of strings) out[field.name] = { notIn: values }
  // each id is 25 characters and its quotes and comma; each value 6 and 3, once per string field
  const step = 28 + strings.length * 9
  for (let bytes = bytesOf(out); bytes + step < LARGE_BYTES - 2_000; bytes += step) {
    ids.push(fakeId(gen))
    if (strings.length) values.push(hex(gen, 6))
  }
  return out
}

function wideOr(gen: Gen, where: GraphQLInputObjectType): unknown {
  const or: unknown[] = []
  for (let bytes = 10; bytes < LARGE_BYTES - 1_000;) {
    const leaf = leafFilter(gen, where)
    bytes += bytesOf(leaf) + 1
    or.push(leaf)
  }
  return { OR: or }
}

// ---- values that replace parts of the plausible variables

function nullFields(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value
  return Object.fromEntries(Object.keys(value).map(key => [key, null]))
}

function stringLeaves(value: unknown): number {
  if (typeof value === 'string') return 1
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + stringLeaves(v), 0)
  if (value && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + stringLeaves(v), 0)
  return 0
}

function oversized(value: unknown, length: number, name = ''): unknown {
  if (typeof value === 'string') {
    if (/email/i.test(name)) return `${'a'.repeat(Math.floor(length / 2))}@${'b.'.repeat(Math.floor(length / 4))}com`
    return `${'a'.repeat(length - 1)}!`
  }
  if (Array.isArray(value)) return value.map(v => oversized(v, length, name))
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, oversized(v, length, k)]))
  return value
}

function withStrings(value: unknown, text: string): unknown {
  if (typeof value === 'string') return text
  if (Array.isArray(value)) return value.map(v => withStrings(v, text))
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withStrings(v, text)]))
  return value
}

function bulkItems(gen: Gen, type: GraphQLInputType, name: string, mode: Mode): unknown[] {
  const items: unknown[] = []
  let bytes = 2
  while (items.length < 1000) {
    const item = valueOf(gen, type, name, mode, 1)
    bytes += bytesOf(item) + 1
    if (bytes > LARGE_BYTES) break
    items.push(item)
  }
  return items
}

// data that creates through relationships, each create nesting the next
function nestedCreate(gen: Gen, type: GraphQLInputObjectType, depth: number): unknown | undefined {
  const relations = Object.values(type.getFields()).filter(f => {
    const named = getNamedType(f.type)
    return isInputObjectType(named) && /RelateTo(One|Many)ForCreateInput$/.test(named.name)
  })
  if (relations.length === 0) return undefined
  const build = (t: GraphQLInputObjectType, left: number): unknown => {
    const base = valueOf(gen, t, '', 'full', 1) as Record<string, unknown>
    const candidates = Object.values(t.getFields()).filter(f => {
      const named = getNamedType(f.type)
      return isInputObjectType(named) && /RelateTo(One|Many)ForCreateInput$/.test(named.name)
    })
    if (left === 0 || candidates.length === 0) return base
    const relation = pick(gen, candidates)
    const relateInput = getNamedType(relation.type) as GraphQLInputObjectType
    const create = relateInput.getFields().create
    if (!create) return base
    const target = getNamedType(create.type) as GraphQLInputObjectType
    const inner = build(target, left - 1)
    return { ...base, [relation.name]: { create: isListType(getNullable(create.type)) ? [inner] : inner } }
  }
  return build(type, depth)
}

function getNullable(type: GraphQLInputType): GraphQLInputType {
  return isNonNullType(type) ? type.ofType : type
}

// ---- the cases of one field

function casesOf(gen: Gen, operation: Operation, field: GraphQLField<unknown, unknown>): HostileCase[] {
  const out: HostileCase[] = []
  const add = (shape: string, variables: Record<string, unknown>, aliases = 1) => {
    const query = documentFor(operation, field, aliases)
    const size = Buffer.byteLength(JSON.stringify({ query, variables }))
    if (size > MAX_BODY_BYTES) throw new Error(`hostileInputs: ${field.name} ${shape} is ${size} bytes`)
    out.push({ operation, field: field.name, shape, query, variables })
  }
  const args = argsOf(field)
  const plausible = () => argValues(gen, field, 'plausible')

  // drawn again while the draw is larger than the body allows
  let hostile = argValues(gen, field, 'hostile')
  for (let draw = 0; draw < 20 && bytesOf(hostile) > LARGE_BYTES; draw++) hostile = argValues(gen, field, 'hostile')
  add('hostile-scalars', hostile)
  if (args.length === 0) {
    add(`aliases-x${ALIASES}`, {}, ALIASES)
    return out
  }

  // every string at once, sharing what the body allows
  const full = argValues(gen, field, 'full')
  const strings = stringLeaves(full)
  if (strings > 0)
    add('oversized-strings', oversized(full, Math.floor(LARGE_BYTES / strings)) as Record<string, unknown>)

  const wrong = argValues(gen, field, 'wrong')
  add('wrong-types', wrong)
  if (args.some(arg => hasEnum(arg.type, new Set()))) add('unknown-enums', argValues(gen, field, 'unknownEnum'))
  add('null-arguments', Object.fromEntries(args.map(arg => [arg.name, null])))
  const objectArgs = args.filter(arg => isInputObjectType(getNamedType(arg.type)) && !isListType(getNullable(arg.type)))
  if (objectArgs.length > 0) {
    const base = full
    add('null-fields', {
      ...base,
      ...Object.fromEntries(objectArgs.map(arg => [arg.name, nullFields(base[arg.name])])),
    })
  }

  // the largest plausible request of this field, to be aliased
  let large: Record<string, unknown> | undefined
  for (const arg of args) {
    const named = getNamedType(arg.type)
    if (!isInputObjectType(named) || !isWhere(named.name) || isListType(getNullable(arg.type))) continue
    const with_ = (value: unknown) => ({ ...plausible(), [arg.name]: value })
    const prefix = args.length > 1 ? `${arg.name}:` : ''
    add(`${prefix}deep-and-or-not-${DEEP}`, with_(deepBoolean(gen, named, DEEP)))
    const not = deepNot(gen, named, DEEP)
    if (not !== undefined) add(`${prefix}deep-not-${DEEP}`, with_(not))
    const chain = relationChain(gen, named, CHAIN)
    if (chain !== undefined) add(`${prefix}relation-chain-${CHAIN}`, with_(chain))
    const tree = relationTree(gen, named)
    if (tree !== undefined) add(`${prefix}relation-tree`, with_(tree))
    add(`${prefix}huge-in`, with_(hugeIn(gen, named)))
    const wide = with_(wideOr(gen, named))
    add(`${prefix}wide-or`, wide)
    large ??= wide
  }
  for (const arg of args) {
    const inner = getNullable(arg.type)
    if (!isListType(inner)) continue
    const itemType = inner.ofType as GraphQLInputType
    const full = bulkItems(gen, itemType, arg.name, 'full')
    add(`${arg.name}:bulk`, { ...plausible(), [arg.name]: full })
    // every item what a form would send (a password among its strings): what each item costs
    const strings = bulkItems(gen, itemType, arg.name, 'strings')
    if (Object.keys(strings[0] ?? {}).join() !== Object.keys(full[0] ?? {}).join())
      add(`${arg.name}:bulk-form-items`, { ...plausible(), [arg.name]: strings })
  }
  for (const arg of args) {
    const named = getNamedType(arg.type)
    if (!isInputObjectType(named)) continue
    const nested = nestedCreate(gen, named, 12)
    if (nested === undefined) continue
    const value = isListType(getNullable(arg.type)) ? [nested] : nested
    add(`${arg.name}:nested-create-12`, { ...plausible(), [arg.name]: value })
  }
  if (large === undefined && strings > 0)
    large = oversized(full, Math.floor(LARGE_BYTES / strings)) as Record<string, unknown>
  add(`aliases-x${ALIASES}-one-large-variable`, large ?? full, ALIASES)
  // every string with a NUL byte and other control characters (PostgreSQL's text refuses NUL)
  if (strings > 0)
    add('control-characters', withStrings(full, 'fuzz\u0000\u0007\u001b[31m\r\n\u2028end') as Record<string, unknown>)
  return out
}

function hasEnum(type: GraphQLInputType, seen: Set<string>): boolean {
  const named = getNamedType(type)
  if (isEnumType(named)) return true
  if (!isInputObjectType(named) || seen.has(named.name) || isRelationInput(named.name) || isWhere(named.name))
    return false
  seen.add(named.name)
  return Object.values(named.getFields()).some(f => hasEnum(f.type, seen))
}

/** Every hostile case of every query and mutation field, grouped by field, in schema order. */
export function hostileCases(schema: GraphQLSchema, seed: number = DEFAULT_SEED): HostileCase[] {
  const out: HostileCase[] = []
  for (const [operation, root] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    if (!root) continue
    // a PRNG of each field's own: a shape added to one field changes no other field's requests
    for (const field of Object.values(root.getFields()))
      out.push(...casesOf({ rand: prng(seed ^ fnv1a(`${operation} ${field.name}`)), counter: 0 }, operation, field))
  }
  return out
}

/** The schema's input types, and those that some field's arguments lead to (every one should). */
export function inputTypesReached(schema: GraphQLSchema): { reached: Set<string>; all: Set<string> } {
  const all = new Set(
    Object.values(schema.getTypeMap())
      .filter(t => isInputObjectType(t) && !t.name.startsWith('__'))
      .map(t => t.name),
  )
  const reached = new Set<string>()
  const visit = (type: GraphQLInputType) => {
    const named = getNamedType(type)
    if (!isInputObjectType(named) || reached.has(named.name)) return
    reached.add(named.name)
    for (const f of Object.values(named.getFields())) visit(f.type)
  }
  for (const root of [schema.getQueryType(), schema.getMutationType()])
    for (const field of Object.values(root?.getFields() ?? {})) for (const arg of field.args) visit(arg.type)
  return { reached, all }
}
