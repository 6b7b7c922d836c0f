// Rules Keystone's generated API does not keep by itself, applied once to the whole GraphQL
// schema so that every field obeys them, the Admin UI's requests included:
// - a generated mutation succeeds or is rolled back whole: a nested create, update or delete
//   that ran before the item itself was refused is undone with it;
// - a relationship filter reads only what the caller may read: Keystone checks the fields a
//   filter names, but not the rows of the list a relationship leads to, so `actor: { email: … }`
//   would let a caller guess a hidden user's email letter by letter;
// - an email in a unique lookup (`user(where: { email })`, `connect: { email }`) or an equality
//   filter is compared lower-cased, as emails are stored;
// - an item read through a context other than the request's (a payload's user read as that user,
//   mutations/shared/payloads.ts readThrough) resolves every field through that context, and so do
//   the rows its relationships lead to: a field is never judged by a session that did not read its row;
// - a mutation's root fields run one after another, and each after the first runs with the caller
//   as it is when that field starts: a request kept open (a timing floor, a slow field) by a caller
//   whose session was ended, whose password was changed or who was deactivated meanwhile acts no
//   further (a revocation takes effect before the next write, not only on the next request).
import {
  defaultFieldResolver,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql'
import type { KeystoneContext } from '@keystone-6/core/types'
import { normalizeEmail } from '../services/kernel'
import { inTransaction, isTrusted, someErrorInChain } from '../services/kernel'
import type { Context } from '../generated/keystone/types'
import { READ_CONTEXT } from '../mutations/shared/payloads'

type Filter = boolean | Record<string, unknown>
type ListAccess = {
  access?:
    | ((args: any) => unknown)
    | {
        operation?: ((args: any) => unknown) | { query?: (args: any) => unknown }
        filter?: { query?: (args: any) => unknown }
      }
}
type Lists = Record<string, { access?: unknown }>
type Where = Record<string, unknown>

// matches no row: what a relationship filter into rows the caller cannot read may match
const NOTHING: Where = { id: { in: [] } }

/** The rows of a list the caller may read, as a filter (true: all of them). */
async function readableRows(lists: Lists, listKey: string, context: KeystoneContext): Promise<Filter> {
  const access = lists[listKey]?.access as ListAccess['access']
  const args = { session: context.session, context, listKey, operation: 'query' as const }
  if (typeof access === 'function') return Boolean(await access(args))
  const operation = access?.operation
  const allowed =
    typeof operation === 'function' ? await operation(args) : operation?.query ? await operation.query(args) : true
  if (!allowed) return false
  const filter = access?.filter?.query ? await access.filter.query(args) : true
  return typeof filter === 'object' && filter !== null ? (filter as Where) : Boolean(filter)
}

type Walker = {
  lists: Lists
  context: KeystoneContext
  // listKey by the names Keystone gives its input types
  whereOf: Map<string, string>
  manyOf: Map<string, string>
  uniqueOf: Map<string, string>
}

function asFilter(filter: Filter): Where | undefined {
  if (filter === true) return undefined
  return filter === false ? NOTHING : filter
}

/** Rewrite a `<List>WhereInput` so that every relationship it crosses is limited to readable rows. */
async function scopeWhere(walk: Walker, listKey: string, where: unknown): Promise<unknown> {
  if (!where || typeof where !== 'object') return where
  const schemaType = walk.context.graphql.schema.getType(`${listKey}WhereInput`)
  if (!isInputObjectType(schemaType)) return where
  const fields = schemaType.getFields()
  const out: Where = {}
  for (const [key, value] of Object.entries(where as Where)) {
    if ((key === 'AND' || key === 'OR' || key === 'NOT') && Array.isArray(value)) {
      out[key] = await Promise.all(value.map(item => scopeWhere(walk, listKey, item)))
      continue
    }
    const typeName = fields[key] ? getNamedType(fields[key].type).name : undefined
    const toOne = typeName ? walk.whereOf.get(typeName) : undefined
    const toMany = typeName ? walk.manyOf.get(typeName) : undefined
    if (toOne && value !== null && typeof value === 'object') {
      const inner = (await scopeWhere(walk, toOne, value)) as Where
      const readable = asFilter(await readableRows(walk.lists, toOne, walk.context))
      out[key] = readable ? { AND: [inner, readable] } : inner
    } else if (toMany && value !== null && typeof value === 'object') {
      const readable = asFilter(await readableRows(walk.lists, toMany, walk.context))
      const relation: Where = {}
      for (const [mode, inner] of Object.entries(value as Where)) {
        const scoped = (await scopeWhere(walk, toMany, inner)) as Where
        if (!readable) relation[mode] = scoped
        // every readable row matches: a row the caller cannot read neither counts nor fails
        else if (mode === 'every') relation[mode] = { OR: [scoped, { NOT: [readable] }] }
        else relation[mode] = { AND: [scoped, readable] }
      }
      out[key] = relation
    } else if (key === 'email' && listKey === 'User' && value && typeof value === 'object') {
      out[key] = lowerCasedEquality(value as Where)
    } else {
      out[key] = value
    }
  }
  return out
}

function lowerCasedEquality(filter: Where): Where {
  const copy = { ...filter }
  if (typeof copy.equals === 'string') copy.equals = normalizeEmail(copy.equals)
  if (Array.isArray(copy.in)) copy.in = copy.in.map(item => (typeof item === 'string' ? normalizeEmail(item) : item))
  return copy
}

/** Walk any argument value by its input type: scope every where filter, lower-case every unique email. */
async function guardValue(walk: Walker, type: GraphQLInputType, value: unknown): Promise<unknown> {
  if (value === null || value === undefined) return value
  const nullable = getNullableType(type)
  if (isListType(nullable)) {
    return Array.isArray(value)
      ? Promise.all(value.map(item => guardValue(walk, nullable.ofType, item)))
      : guardValue(walk, nullable.ofType, value)
  }
  if (!isInputObjectType(nullable) || typeof value !== 'object') return value
  const whereList = walk.whereOf.get(nullable.name)
  if (whereList) return scopeWhere(walk, whereList, value)
  const copy: Where = {}
  const fields = nullable.getFields()
  for (const [key, item] of Object.entries(value as Where)) {
    if (walk.uniqueOf.get(nullable.name) === 'User' && key === 'email' && typeof item === 'string')
      copy[key] = normalizeEmail(item)
    else copy[key] = fields[key] ? await guardValue(walk, fields[key].type, item) : item
  }
  return copy
}

// only arguments whose type can hold a where filter or a unique lookup need the walk
function needsWalk(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type)
  if (!isInputObjectType(named) || seen.has(named.name)) return false
  if (named.name.endsWith('WhereInput') || named.name.endsWith('WhereUniqueInput')) return true
  seen.add(named.name)
  return Object.values(named.getFields()).some(field => needsWalk(field.type, seen))
}

async function guardArgs(
  walk: Walker,
  definitions: readonly GraphQLArgument[],
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const copy = { ...args }
  for (const definition of definitions) {
    if (definition.name in copy) copy[definition.name] = await guardValue(walk, definition.type, copy[definition.name])
  }
  return copy
}

// a bulk mutation answers each item on its own; to roll back whole, every item must have settled
async function settled(result: unknown): Promise<unknown> {
  const value = await result
  if (!Array.isArray(value)) return value
  const items = await Promise.allSettled(value)
  const failed = items.filter((item): item is PromiseRejectedResult => item.status === 'rejected')
  // the refusal that aborted the transaction, not what the items after it met (on PostgreSQL every
  // later statement of an aborted transaction fails too, a sibling's hook included)
  const cause = failed.find(item => !isAbortedTransaction(item.reason)) ?? failed[0]
  if (cause) throw cause.reason
  return items.map(item => (item as PromiseFulfilledResult<unknown>).value)
}

// PostgreSQL's in_failed_sql_transaction: a statement sent after an earlier one failed
function isAbortedTransaction(error: unknown): boolean {
  return someErrorInChain(
    error,
    ({ code, originalCode, message }) =>
      code === '25P02' ||
      originalCode === '25P02' ||
      (typeof message === 'string' && message.includes('current transaction is aborted')),
  )
}

// how many root fields of each operation of a request have started; context.db and
// context.graphql run operations of their own (on a schema of their own, or a document of their
// own), each judged by the context it was given
const rootFieldsStarted = new WeakMap<object, WeakMap<object, number>>()

/**
 * Run a root mutation field after the request's first with the caller judged again, as the request
 * began (the session strategy: a Bearer token no longer good refuses the field with its JWT_* code,
 * a cookie no longer good reads as signed out, a changed account acts as it is now).
 */
function freshCallerField(field: GraphQLField<unknown, KeystoneContext>): void {
  const original = field.resolve ?? defaultFieldResolver
  field.resolve = async (source, args, context, info) => {
    const ownRequest = context.req && info.parentType === info.schema.getMutationType()
    if (!ownRequest || !context.sessionStrategy || !context.session) return original(source, args, context, info)
    const operations = rootFieldsStarted.get(context.req!) ?? new WeakMap<object, number>()
    rootFieldsStarted.set(context.req!, operations)
    const started = operations.get(info.operation) ?? 0
    operations.set(info.operation, started + 1)
    if (started === 0) return original(source, args, context, info)
    const caller = (await context.sessionStrategy.get({ context })) ?? undefined
    return original(source, args, context.withSession(caller), info)
  }
}

/**
 * Apply the rules above to every field of the finished schema. `generatedMutations` names the
 * mutations Keystone generated (custom ones own their transactions already).
 */
export function guardSchema(
  schema: GraphQLSchema,
  options: { lists: Lists; generatedMutations: ReadonlySet<string> },
): GraphQLSchema {
  const whereOf = new Map<string, string>()
  const manyOf = new Map<string, string>()
  const uniqueOf = new Map<string, string>()
  for (const listKey of Object.keys(options.lists)) {
    whereOf.set(`${listKey}WhereInput`, listKey)
    manyOf.set(`${listKey}ManyRelationFilter`, listKey)
    uniqueOf.set(`${listKey}WhereUniqueInput`, listKey)
  }

  for (const type of [schema.getQueryType(), schema.getMutationType()]) {
    if (!type) continue
    const transactional = type === schema.getMutationType()
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, KeystoneContext>[]) {
      wrapField(field, transactional && options.generatedMutations.has(field.name))
    }
  }
  // relationship fields take where filters too (`user { addresses(where: …) }`)
  for (const listKey of Object.keys(options.lists)) {
    const output = schema.getType(listKey)
    if (!output || !('getFields' in output)) continue
    for (const field of Object.values(output.getFields()) as GraphQLField<unknown, KeystoneContext>[])
      wrapField(field, false)
  }
  const mutation = schema.getMutationType()
  if (mutation)
    for (const field of Object.values(mutation.getFields()) as GraphQLField<unknown, KeystoneContext>[])
      freshCallerField(field)
  // outermost, so the rules above run with the context that read the row
  const listTypes = new Set(Object.keys(options.lists))
  for (const listKey of listTypes) {
    const output = schema.getType(listKey)
    if (!output || !('getFields' in output)) continue
    for (const field of Object.values(output.getFields()) as GraphQLField<unknown, KeystoneContext>[])
      readThroughField(field, listTypes.has(getNamedType(field.type).name))
  }
  return schema

  function wrapField(field: GraphQLField<unknown, KeystoneContext>, transactional: boolean): void {
    const walked = field.args.filter(arg => needsWalk(arg.type))
    if (!walked.length && !transactional) return
    const original = field.resolve
    if (!original) return
    field.resolve = async (source, args, context, info) => {
      // the trusted path's reads are a module's own, after it settled access
      const guarded =
        walked.length && !isTrusted(context)
          ? await guardArgs({ lists: options.lists, context, whereOf, manyOf, uniqueOf }, walked, args)
          : args
      if (!transactional) return original(source, guarded, context, info)
      return inTransaction(context as unknown as Context, tx =>
        settled(original(source, guarded, tx as unknown as KeystoneContext, info)),
      )
    }
  }
}

type Marked = { [READ_CONTEXT]?: KeystoneContext }

/** Resolve a field of a row read through another context with that context, and mark the rows it answers. */
function readThroughField(field: GraphQLField<unknown, KeystoneContext>, answersRows: boolean): void {
  const original = field.resolve ?? defaultFieldResolver
  field.resolve = (source, args, context, info) => {
    const reader = (source as Marked | null)?.[READ_CONTEXT]
    if (!reader) return original(source, args, context, info)
    const value = original(source, args, reader, info)
    if (!answersRows) return value
    const mark = (row: unknown) => (row && typeof row === 'object' ? { ...row, [READ_CONTEXT]: reader } : row)
    return Promise.resolve(value).then(rows => (Array.isArray(rows) ? rows.map(mark) : mark(rows)))
  }
}
