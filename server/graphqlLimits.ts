// Limits on every GraphQL request, so that no single request can hold the server. The work a
// request may cause is bounded by everything it carries, the document AND its variables:
// - the document: depth, cost, aliases, tokens and directives (graphql-armor, graphql-js);
// - once the operation is known and before anything runs (requestBoundsPlugin, the one place
//   where what a request carries is measured, variables substituted): the rows its lists can fan
//   out to, the size of every argument (how deep and wide a filter is, how long a list or a
//   string), the total input of the request with each argument counted once per field resolution
//   that reads it (aliases, lists above it), and the items that check a password or send a mail;
// - while it runs: a time budget (services/kernel/requestBudget.ts, kept by the database adapters
//   in database.ts), after which no statement starts, nothing commits and no root field begins.
// The limits sit well above what a storefront or the Admin UI sends (the Admin UI browser tests and
// tests/api/requestBounds.test.ts run its requests under them).
import { ApolloArmor } from '@escape.tech/graphql-armor'
import type { ApolloServerPlugin } from '@apollo/server'
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  typeFromAST,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLFormattedError,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql'
import { env } from '../env'
import { costlyWorkOf } from '../lists/costlyWork'
import { MAX_ADDRESSES_PER_USER } from '../services/addresses'
import { REQUEST_TIMEOUT, budgetLeftMs, isRequestTimeout } from '../services/kernel'

// Keystone's `maxTake` for every list (config.listDefaults), and the rows assumed for a list
// field whose size the request does not state
export const MAX_TAKE = 100

export const LIMITS = {
  depth: 10,
  aliases: 30,
  tokens: 2000,
  directives: 20,
  cost: 5000,
  // the rows a request may ask for, all list fields multiplied along their paths and added up
  rows: 20_000,
  // what the arguments of a request may carry, variables substituted
  input: {
    // input objects nested in one argument: AND/OR/NOT, relationship filters, nested writes
    depth: 10,
    // nesting inside a JSON value (metadata, a staff note's document)
    jsonDepth: 32,
    // items of one input list: `in`/`notIn`, a bulk mutation's items (the Admin UI's page holds 100)
    listItems: 100,
    // values in one filter (a where, a unique lookup, a search): conditions, operators, list items
    filterValues: 200,
    // characters of a string in a filter: no filterable field holds more (webhook and order URLs)
    filterString: 2048,
    // values in the filters of the whole request, each counted once per field resolution that reads it
    requestFilterValues: 1000,
    // input values of the whole request, counted the same way (one costs about what a row does)
    requestValues: 10_000,
    // characters of every string of the whole request, counted the same way: what one body holds
    requestCharacters: 100_000,
  },
  // items that check a password (argon2, ~20 ms of CPU) or put a mail in the outbox: fields and
  // input fields that declare it (lists/costlyWork.ts), so neither aliases nor a bulk mutation's
  // items multiply a brute-force guess or a mail to an inbox. A bulk field (a list argument) costs
  // one per item; an input field (a password of the generated API) one wherever it is set.
  costlyItems: 1,
  // how long a request may run before the rest of it is refused (REQUEST_TIME_BUDGET_MS)
  timeBudgetMs: env.requestTimeBudgetMs,
} as const

// How many rows a relationship can really hold per item, where the lists keep it below `take`:
// a user's address book is capped (services/addresses), and a user's customer and permission
// groups, a group's channels and a channel's groups are few (staff make them, a store has a
// handful). A FEW relationship counts FEW_ROWS only where it ends a path: below it, another list
// would multiply an estimate nothing enforces, so there it counts its whole `take`.
const CAPPED_ROWS: ReadonlyMap<string, number> = new Map([['User.addresses', MAX_ADDRESSES_PER_USER]])
const FEW_ROWS = 10
const FEW: ReadonlySet<string> = new Set([
  'User.customerGroups',
  'User.permissionGroups',
  'PermissionGroup.accessibleChannels',
  'Channel.permissionGroups',
])

// fields visited while measuring one request: fragments spread into each other can multiply a
// short document into many fields; far past anything the depth and cost limits let through
const MAX_FIELDS_VISITED = 20_000

export const REQUEST_TOO_LARGE = 'REQUEST_TOO_LARGE'

/** The refusal of a request past a limit: status 400, code REQUEST_TOO_LARGE, the limit named. */
function tooLarge(limit: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: REQUEST_TOO_LARGE, limit, http: { status: 400 } } })
}

/**
 * The refusal of text no database stores: PostgreSQL refuses U+0000 in text and JSON, and SQLite's
 * full-text search stops at it. Refused in every input string here, before anything runs, so no
 * path meets it as a database error.
 */
function nulInText(): GraphQLError {
  return new GraphQLError('Text may not contain the NUL character (U+0000).', {
    extensions: { code: 'INVALID', limit: 'text', http: { status: 400 } },
  })
}

// the filters of a required column (Keystone's StringFilter, BooleanFilter, IntFilter and the
// NestedStringFilter of their `not`): the database has no null to compare such a column with
const REQUIRED_COLUMN_FILTER = /^(Nested)?(String|Boolean|Int)Filter$/

/**
 * Whether a null for this input field reaches the database as a comparison it cannot make (Prisma
 * answers it with an internal error): any field of a unique lookup (`where` of one item, `cursor`),
 * a required column's filter in a where, and any operator of such a filter. A to-one relationship
 * filter's null ("has none"), an ID filter's and a nullable column's filter keep theirs.
 */
function comparesWithNoNull(parent: GraphQLInputObjectType, fieldType: GraphQLInputType): boolean {
  if (parent.name.endsWith('WhereUniqueInput')) return true
  if (REQUIRED_COLUMN_FILTER.test(parent.name)) return true
  return parent.name.endsWith('WhereInput') && REQUIRED_COLUMN_FILTER.test(getNamedType(fieldType).name)
}

function nullInFilter(type: string, field: string): GraphQLError {
  return new GraphQLError(`${type}.${field} cannot be null: leave it out, or give a value to compare with.`, {
    extensions: { code: 'INVALID', limit: 'null', http: { status: 400 } },
  })
}

type Filter = { values: number }

type Measure = {
  schema: GraphQLSchema
  fragments: Map<string, FragmentDefinitionNode>
  variables: Record<string, unknown>
  visiting: Set<string>
  fields: number
  rows: number
  values: number
  filterValues: number
  characters: number
  costly: number
  costlyNames: string[]
}

/** What one argument carries, before it is multiplied by the field resolutions that read it. */
type Carried = { values: number; filterValues: number; characters: number; costly: number }

/** Measure one argument value against its type; refuse it as soon as it passes a per-value limit. */
function carried(m: Measure, type: GraphQLInputType, value: unknown, times: number, filterArgument: boolean): Carried {
  const own: Carried = { values: 0, filterValues: 0, characters: 0, costly: 0 }
  // the request's totals, checked as they grow so that a huge argument is never walked whole
  const count = (filter: Filter | undefined, characters = 0) => {
    own.values++
    own.characters += characters
    if (filter) {
      own.filterValues++
      if (++filter.values > LIMITS.input.filterValues)
        throw tooLarge(
          'filterValues',
          `A filter may hold at most ${LIMITS.input.filterValues} values (conditions, operators and list items); this one holds more.`,
        )
    }
    if (m.values + own.values * times > LIMITS.input.requestValues)
      throw tooLarge(
        'requestValues',
        `This request carries more than ${LIMITS.input.requestValues} input values, counting each argument once for every field that reads it (aliases and lists included).`,
      )
    if (m.filterValues + own.filterValues * times > LIMITS.input.requestFilterValues)
      throw tooLarge(
        'requestFilterValues',
        `This request's filters hold more than ${LIMITS.input.requestFilterValues} values, counting each filter once for every field that reads it (aliases and lists included).`,
      )
    if (m.characters + own.characters * times > LIMITS.input.requestCharacters)
      throw tooLarge(
        'requestCharacters',
        `This request carries more than ${LIMITS.input.requestCharacters} characters of text, counting each argument once for every field that reads it (aliases and lists included).`,
      )
  }
  const string = (text: string, filter: Filter | undefined) => {
    if (text.includes('\u0000')) throw nulInText()
    if (filter && text.length > LIMITS.input.filterString)
      throw tooLarge(
        'filterString',
        `A filter's text may be at most ${LIMITS.input.filterString} characters; this one has ${text.length}.`,
      )
    count(filter, text.length)
  }
  // a JSON value (metadata, a document), walked without recursion
  const json = (root: unknown, filter: Filter | undefined) => {
    const stack: [unknown, number][] = [[root, 0]]
    while (stack.length > 0) {
      const [item, depth] = stack.pop()!
      if (depth > LIMITS.input.jsonDepth)
        throw tooLarge('jsonDepth', `A JSON value may nest at most ${LIMITS.input.jsonDepth} levels deep.`)
      if (typeof item === 'string') string(item, filter)
      else count(filter)
      if (Array.isArray(item)) {
        for (const element of item) stack.push([element, depth + 1])
      } else if (item !== null && typeof item === 'object') {
        for (const [key, element] of Object.entries(item)) {
          if (key.includes('\u0000')) throw nulInText()
          count(filter, key.length)
          stack.push([element, depth + 1])
        }
      }
    }
  }
  const walk = (type: GraphQLInputType, value: unknown, depth: number, filter: Filter | undefined): void => {
    if (value === null || value === undefined) return
    const nullable = getNullableType(type)
    if (isListType(nullable)) {
      // a single value where a list is expected is coerced into a list of one
      const items = Array.isArray(value) ? value : [value]
      if (items.length > LIMITS.input.listItems)
        throw tooLarge(
          'listItems',
          `An input list may hold at most ${LIMITS.input.listItems} items; one here holds ${items.length}. Send a longer one in several requests.`,
        )
      for (const item of items) walk(nullable.ofType, item, depth, filter)
      return
    }
    if (isInputObjectType(nullable)) {
      count(filter)
      // anything else is refused by GraphQL's own coercion, which runs next
      if (typeof value !== 'object' || Array.isArray(value)) return
      if (depth + 1 > LIMITS.input.depth)
        throw tooLarge(
          'inputDepth',
          `An argument may nest input objects at most ${LIMITS.input.depth} levels deep (AND, OR, NOT and relationship filters included).`,
        )
      // a where (or unique lookup) starts a filter; whatever it nests counts toward the same one
      const inFilter = filter ?? (/Where(Unique)?Input$/.test(nullable.name) ? { values: 0 } : undefined)
      const fields = nullable.getFields()
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const field = fields[key]
        if (!field) continue
        if (item === null && comparesWithNoNull(nullable, field.type)) throw nullInFilter(nullable.name, key)
        if (costlyWorkOf(field).length > 0 && item !== null && item !== undefined) own.costly++
        walk(field.type, item, depth + 1, inFilter)
      }
      return
    }
    // scalars and enums: a string is measured, a JSON value walked
    if (typeof value === 'string') string(value, filter)
    else if (typeof value === 'object') json(value, filter)
    else count(filter)
  }
  walk(type, value, 0, filterArgument ? { values: 0 } : undefined)
  return own
}

/** Measure every argument of a field, add it to the request's totals, and give the costly items its inputs hold. */
function measureArguments(m: Measure, definition: GraphQLField<unknown, unknown>, node: FieldNode, times: number) {
  let costly = 0
  for (const argument of node.arguments ?? []) {
    const argDefinition = definition.args.find(arg => arg.name === argument.name.value)
    if (!argDefinition) continue
    const value = valueFromASTUntyped(argument.value, m.variables)
    // a page starts at or after the first row: the database has no row before it
    if (argDefinition.name === 'skip' && typeof value === 'number' && value < 0)
      throw new GraphQLError('skip cannot be negative.', {
        extensions: { code: 'INVALID', limit: 'skip', http: { status: 400 } },
      })
    const own = carried(m, argDefinition.type, value, times, argDefinition.name === 'search')
    m.values += own.values * times
    m.filterValues += own.filterValues * times
    m.characters += own.characters * times
    costly += own.costly
  }
  return costly
}

/** The items a costly root field stands for: one per item of a bulk field's list argument. */
function costlyItemsOf(m: Measure, definition: GraphQLField<unknown, unknown>, node: FieldNode): number {
  if (costlyWorkOf(definition).length === 0) return 0
  let items = 1
  for (const argument of node.arguments ?? []) {
    const argDefinition = definition.args.find(arg => arg.name === argument.name.value)
    if (!argDefinition || !isListType(getNullableType(argDefinition.type))) continue
    const value = valueFromASTUntyped(argument.value, m.variables)
    items = Math.max(items, Array.isArray(value) ? value.length : 1)
  }
  return items
}

// rows come from the database through fields that page with `take` (Keystone's lists and
// relationships, customers, staffUsers); other list fields (the Admin UI's metadata, a user's
// permissions) hold a bounded handful and only pass their children on
function fansOut(definition: { type: GraphQLOutputType; args: readonly { name: string }[] }): boolean {
  return isListType(getNullableType(definition.type)) && definition.args.some(arg => arg.name === 'take')
}

/** Whether any field below fans out: a path that goes on to more lists. */
function fansOutBelow(
  m: Measure,
  type: GraphQLNamedType | undefined,
  selectionSet: SelectionSetNode | undefined,
): boolean {
  if (!selectionSet || !type) return false
  return selectionSet.selections.some((selection): boolean => {
    if (selection.kind === Kind.FIELD) {
      if (!(isObjectType(type) || isInterfaceType(type))) return false
      const definition = type.getFields()[selection.name.value]
      return Boolean(definition && selection.selectionSet && fansOut(definition))
    }
    const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? m.fragments.get(selection.name.value) : selection
    const condition = fragment?.typeCondition ? m.schema.getType(fragment.typeCondition.name.value) : type
    return Boolean(fragment && fansOutBelow(m, condition ?? type, fragment.selectionSet))
  })
}

/** The rows a list field returns per item above it: its take (variables read), lowered by what the lists can hold. */
function rowsPerItem(
  m: Measure,
  parent: GraphQLNamedType,
  definition: GraphQLField<unknown, unknown>,
  node: FieldNode,
): number {
  const argument = node.arguments?.find(arg => arg.name.value === 'take')
  const given = argument ? valueFromASTUntyped(argument.value, m.variables) : undefined
  const take = typeof given === 'number' ? Math.max(1, Math.abs(given)) : MAX_TAKE
  const key = `${parent.name}.${definition.name}`
  const cap = CAPPED_ROWS.get(key)
  if (cap !== undefined) return Math.min(take, cap)
  if (FEW.has(key) && !fansOutBelow(m, getNamedType(definition.type), node.selectionSet))
    return Math.min(take, FEW_ROWS)
  return take
}

/** Walk a selection set resolved `times` times: its rows, its arguments, and at the root its costly items. */
function measureSelections(
  m: Measure,
  type: GraphQLNamedType | undefined,
  selectionSet: SelectionSetNode,
  times: number,
  root: 'mutation' | 'other' | false,
): void {
  if (!type) return
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue
      const definition = type.getFields()[selection.name.value] as GraphQLField<unknown, unknown> | undefined
      if (!definition) continue
      if (++m.fields > MAX_FIELDS_VISITED)
        throw tooLarge('fields', 'This request spreads its fragments into too many fields.')
      let below = times
      if (selection.selectionSet && fansOut(definition)) {
        below = times * rowsPerItem(m, type, definition, selection)
        m.rows += below
        if (m.rows > LIMITS.rows)
          throw tooLarge(
            'rows',
            `This request could return about ${m.rows} rows or more, more than the ${LIMITS.rows} allowed: ask for fewer items (take) or fewer nested lists.`,
          )
      }
      const costlyInputs = measureArguments(m, definition, selection, times)
      if (root === 'mutation') {
        const items = Math.max(costlyItemsOf(m, definition, selection), costlyInputs)
        if (items > 0) {
          m.costly += items
          m.costlyNames.push(selection.name.value)
        }
      }
      if (selection.selectionSet)
        measureSelections(m, getNamedType(definition.type), selection.selectionSet, below, false)
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? m.schema.getType(selection.typeCondition.name.value) : type
      measureSelections(m, condition ?? type, selection.selectionSet, times, root)
    } else {
      const name = selection.name.value
      const fragment = m.fragments.get(name)
      // a cycle is refused by graphql's own NoFragmentCyclesRule; here it only must not loop
      if (!fragment || m.visiting.has(name)) continue
      m.visiting.add(name)
      measureSelections(
        m,
        m.schema.getType(fragment.typeCondition.name.value) ?? type,
        fragment.selectionSet,
        times,
        root,
      )
      m.visiting.delete(name)
    }
  }
}

export type RequestSize = { rows: number; values: number; filterValues: number; characters: number; costly: number }

/**
 * Measure what an operation may cause, its variables substituted, and throw the refusal of the
 * first limit it passes (a GraphQLError, code REQUEST_TOO_LARGE, status 400).
 */
export function measureRequest(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): RequestSize {
  const fragments = new Map<string, FragmentDefinitionNode>()
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition)
  const given = variables ?? {}
  const withDefaults: Record<string, unknown> = {}
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value
    withDefaults[name] =
      name in given ? given[name] : definition.defaultValue ? valueFromASTUntyped(definition.defaultValue) : undefined
  }
  const m: Measure = {
    schema,
    fragments,
    variables: withDefaults,
    visiting: new Set(),
    fields: 0,
    rows: 0,
    values: 0,
    filterValues: 0,
    characters: 0,
    costly: 0,
    costlyNames: [],
  }
  // every declared variable keeps the per-value limits even where no field reads it: GraphQL
  // coerces each one before running anything (its totals count where fields read it)
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined
    if (type) carried(m, type, withDefaults[definition.variable.name.value], 0, false)
  }
  const root = schema.getRootType(operation.operation) ?? undefined
  measureSelections(m, root, operation.selectionSet, 1, operation.operation === 'mutation' ? 'mutation' : 'other')
  if (m.costly > LIMITS.costlyItems)
    throw tooLarge(
      'costlyItems',
      `A request may carry only one field or item that checks a password or sends a mail; this one carries ${m.costly} (${[...new Set(m.costlyNames)].join(', ')}).`,
    )
  const { rows, values, filterValues, characters, costly } = m
  return { rows, values, filterValues, characters, costly }
}

/** Refuse a request past a limit once its operation is known, before anything of it runs. */
export function requestBoundsPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (operation) measureRequest(schema, document, operation, request.variables)
        },
      }
    },
  }
}

function timeoutMessage(budgetMs: number): string {
  return `The request ran longer than its ${budgetMs} ms budget and was stopped: this field was not completed, and nothing it would have changed was saved.`
}

/**
 * Keep the time budget between root fields: a root field (a mutation, a query) that would start
 * after it is refused. Inside a field, the budget is kept by the database (database.ts): no
 * statement starts and nothing commits once it is spent, while fields that only read what a
 * committed change gave back are still answered.
 */
export function timeBudgetPlugin(budgetMs: number = LIMITS.timeBudgetMs): ApolloServerPlugin {
  return {
    // the budget ran out before the session could be read: the server is overloaded, try again
    async contextCreationDidFail({ error }) {
      if (!isRequestTimeout(error)) return
      const carrier = error as Error & { extensions?: Record<string, unknown> }
      const http = { status: 503, headers: new Map([['retry-after', '5']]) }
      if (carrier.extensions && typeof carrier.extensions === 'object') Object.assign(carrier.extensions, { http })
      else carrier.extensions = { http }
    },
    async requestDidStart() {
      return {
        async executionDidStart() {
          return {
            willResolveField({ info }) {
              if (info.path.prev !== undefined) return
              const left = budgetLeftMs()
              if (left !== undefined && left <= 0)
                throw new GraphQLError(timeoutMessage(budgetMs), { extensions: { code: REQUEST_TIMEOUT } })
            },
          }
        },
      }
    },
  }
}

/** Apollo's formatError: work stopped by the budget answers our own code and words, never a driver's or Prisma's. */
export function formatRequestTimeout(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (!isRequestTimeout(error)) return formatted
  const { path, locations } = formatted
  return {
    message: timeoutMessage(LIMITS.timeBudgetMs),
    ...(locations ? { locations } : {}),
    ...(path ? { path } : {}),
    extensions: { code: REQUEST_TIMEOUT },
  }
}

/** What Keystone's `graphql.apolloConfig` takes: validation rules and plugins. */
export function graphqlLimits() {
  const armor = new ApolloArmor({
    maxDepth: { n: LIMITS.depth },
    maxAliases: { n: LIMITS.aliases },
    maxTokens: { enabled: false },
    maxDirectives: { n: LIMITS.directives },
    costLimit: { maxCost: LIMITS.cost },
    // "did you mean …" would map the schema for a caller that cannot introspect it in production
    blockFieldSuggestion: { enabled: true },
  })
  const protection = armor.protect()
  return {
    ...protection,
    validationRules: protection.validationRules,
    plugins: [...protection.plugins, requestBoundsPlugin(), timeBudgetPlugin()],
    // graphql-js stops parsing past this many tokens (a parse error, 400); graphql-armor's own
    // token plugin refuses from inside Apollo's parsing hook, which Apollo answers with a 500
    parseOptions: { maxTokens: LIMITS.tokens },
  }
}
