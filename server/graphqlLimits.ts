// Limits on every GraphQL request, so that no single request can hold the server: depth, cost,
// aliases, tokens and directives through graphql-armor; an estimate of the rows a document can
// fan out to (graphql-armor's cost counts `first`, Keystone's lists take `take`); at most one
// field per request that checks a password or sends a mail; and a time budget after which the
// rest of a request is abandoned. The limits sit well above what a storefront or the Admin UI
// sends (the Admin UI browser test runs under them).
import { ApolloArmor } from '@escape.tech/graphql-armor'
import type { ApolloServerPlugin } from '@apollo/server'
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  type ASTVisitor,
  type FieldNode,
  type GraphQLOutputType,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql'

// Keystone's `maxTake` for every list (config.listDefaults), and the rows assumed for a list
// field whose size the document does not state
export const MAX_TAKE = 100

export const LIMITS = {
  depth: 10,
  aliases: 30,
  tokens: 2000,
  directives: 20,
  cost: 5000,
  // the rows a document may ask for, all list fields multiplied along their paths and added up
  rows: 20_000,
  // how long a request may run before what is left of it is abandoned
  timeBudgetMs: 10_000,
} as const

// fields that verify a password (argon2, ~20 ms of CPU each) or put a mail in the outbox: one
// per request, so aliases cannot multiply a brute-force guess or a mail to somebody's inbox
export const COSTLY_FIELDS = new Set([
  'tokenCreate',
  'authenticateUserWithPassword',
  'setPassword',
  'passwordChange',
  'updateActiveUserPassword',
  'accountRegister',
  'requestPasswordReset',
  'requestEmailChange',
  'confirmEmailChange',
  'accountRequestDeletion',
  'customerCreate',
  'staffCreate',
  // the Admin UI's account actions that mail the user (lists/userActions.ts), one and many
  'sendPasswordResetUser',
  'sendPasswordResetUsers',
  'resendConfirmationUser',
  'resendConfirmationUsers',
])

// Apollo answers every validation error with code GRAPHQL_VALIDATION_FAILED and status 400
function limitError(message: string): GraphQLError {
  return new GraphQLError(message)
}

type Walk = { context: ValidationContext; visiting: Set<string> }

// the field's fan-out: its `take` when written as a number, else what Keystone would return at most
function multiplierOf(field: FieldNode): number {
  const take = field.arguments?.find(arg => arg.name.value === 'take')
  if (take?.value.kind === Kind.INT) return Math.max(1, Math.abs(Number(take.value.value)))
  return MAX_TAKE
}

// rows come from the database through fields that page with `take` (Keystone's lists and
// relationships, customers, staffUsers); other list fields (the Admin UI's metadata, a user's
// permissions) hold a bounded handful and only pass their children on
function fansOut(definition: { type: GraphQLOutputType; args: readonly { name: string }[] }): boolean {
  return isListType(getNullableType(definition.type)) && definition.args.some(arg => arg.name === 'take')
}

/** Estimate the rows a selection set can produce below `type`, each list field counted as its take. */
function rowsBelow(walk: Walk, type: GraphQLNamedType | undefined, selectionSet: SelectionSetNode | undefined): number {
  if (!selectionSet || !type) return 0
  let rows = 0
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue
      const definition = type.getFields()[selection.name.value]
      if (!definition || !selection.selectionSet) continue
      const many = fansOut(definition)
      const below = rowsBelow(walk, getNamedType(definition.type), selection.selectionSet)
      rows += many ? multiplierOf(selection) * (1 + below) : below
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition
        ? walk.context.getSchema().getType(selection.typeCondition.name.value)
        : type
      rows += rowsBelow(walk, condition ?? type, selection.selectionSet)
    } else {
      const name = selection.name.value
      const fragment = walk.context.getFragment(name)
      // a cycle is refused by graphql's own NoFragmentCyclesRule; here it only must not loop
      if (!fragment || walk.visiting.has(name)) continue
      walk.visiting.add(name)
      rows += rowsBelow(
        walk,
        walk.context.getSchema().getType(fragment.typeCondition.name.value) ?? type,
        fragment.selectionSet,
      )
      walk.visiting.delete(name)
    }
    if (rows > LIMITS.rows) return rows
  }
  return rows
}

/** Refuse a document whose list fields, multiplied along their paths, could return too many rows. */
export const maxRowsRule: ValidationRule = (context): ASTVisitor => ({
  OperationDefinition(operation) {
    const root = context.getSchema().getRootType(operation.operation) ?? undefined
    const rows = rowsBelow({ context, visiting: new Set() }, root, operation.selectionSet)
    if (rows > LIMITS.rows)
      context.reportError(
        limitError(
          `This request could return about ${rows} rows, more than the ${LIMITS.rows} allowed: ask for fewer items (take) or fewer nested lists.`,
        ),
      )
  },
})

function rootFieldNames(context: ValidationContext, selectionSet: SelectionSetNode, visiting: Set<string>): string[] {
  return selectionSet.selections.flatMap(selection => {
    if (selection.kind === Kind.FIELD) return [selection.name.value]
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootFieldNames(context, selection.selectionSet, visiting)
    const fragment = context.getFragment(selection.name.value)
    if (!fragment || visiting.has(selection.name.value)) return []
    visiting.add(selection.name.value)
    return rootFieldNames(context, fragment.selectionSet, visiting)
  })
}

/** Refuse a request that carries more than one password check or mail, aliases included. */
export const oneCostlyFieldRule: ValidationRule = (context): ASTVisitor => ({
  OperationDefinition(operation) {
    const costly = rootFieldNames(context, operation.selectionSet, new Set()).filter(name => COSTLY_FIELDS.has(name))
    if (costly.length > 1)
      context.reportError(
        limitError(
          `A request may carry only one field that checks a password or sends a mail; this one carries ${costly.length} (${[...new Set(costly)].join(', ')}).`,
        ),
      )
  },
})

// the deadline of each request being executed, keyed by its context
const deadlines = new WeakMap<object, number>()

/** Abandon what is left of a request past its time budget: every field resolved after it fails. */
export function timeBudgetPlugin(budgetMs: number = LIMITS.timeBudgetMs): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async executionDidStart({ contextValue }) {
          deadlines.set(contextValue, Date.now() + budgetMs)
          return {
            willResolveField({ contextValue: context }) {
              const deadline = deadlines.get(context)
              if (deadline !== undefined && Date.now() > deadline) {
                throw new GraphQLError(`The request ran longer than ${budgetMs} ms and was abandoned.`, {
                  extensions: { code: 'REQUEST_TIMEOUT' },
                })
              }
            },
          }
        },
      }
    },
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
    validationRules: [...protection.validationRules, maxRowsRule, oneCostlyFieldRule],
    plugins: [...protection.plugins, timeBudgetPlugin()],
    // graphql-js stops parsing past this many tokens (a parse error, 400); graphql-armor's own
    // token plugin refuses from inside Apollo's parsing hook, which Apollo answers with a 500
    parseOptions: { maxTokens: LIMITS.tokens },
  }
}
