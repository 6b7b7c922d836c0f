// The one place an impersonation's changes are audited (API.md §10): an Apollo plugin that, for a
// mutation operation run in an impersonation session (Session.impersonatorId), writes one
// IMPERSONATED_CHANGE event on the customer with the staff member as actor
// (services/users/impersonationAudit.ts): before execution, naming the root fields asked for;
// after it, each field's outcome, refused attempts included. It covers every mutation by class
// (both vocabularies, Keystone's generated API, any added later) because every GraphQL operation
// passes here, whatever its resolver records itself; a thin wrapper of the root mutation fields
// (auditImpersonatedMutations) tells it what each resolver ended with. A request outside an
// impersonation, and any query, gets no listener at all. HTTP batching is off (Apollo's default, not changed in
// keystone.ts), and were it on, each operation of a batch would pass here as its own request.
import type { ApolloServerPlugin, GraphQLRequestContext, GraphQLRequestListener } from '@apollo/server'
import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  defaultFieldResolver,
  getDirectiveValues,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql'
import type { KeystoneContext } from '@keystone-6/core/types'
import type { Context } from '../generated/keystone/types'
import { actorIdOf, type Session } from '../services/identity'
import {
  closeImpersonationAudit,
  codeOfError,
  openImpersonationAudit,
  outcomeOfField,
  type AuditedField,
  type ImpersonationAudit,
} from '../services/users'
import { logger as rootLogger } from './logger'

type RootField = { key: string; field: string }

/**
 * The root fields an operation asks for, each response key once (aliases kept apart, fragments
 * followed, @skip and @include obeyed), introspection's own fields left out.
 */
export function rootFieldsOf(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> = {},
): RootField[] {
  const found = new Map<string, string>()
  const visited = new Set<string>()
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (!included(selection, variables)) continue
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value
        if (!selection.name.value.startsWith('__') && !found.has(key)) found.set(key, selection.name.value)
      } else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet)
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value)
        const fragment = fragments[selection.name.value]
        if (fragment) walk(fragment.selectionSet)
      }
    }
  }
  walk(operation.selectionSet)
  return [...found].map(([key, field]) => ({ key, field }))
}

function included(node: Parameters<typeof getDirectiveValues>[1], variables: Record<string, unknown>): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false
}

// what each root field of an audited operation ended with, by response key: per HTTP request (a
// resolver may run a later field with a context of its own, server/schemaGuards.ts), per operation
type Ended = { error?: unknown; result?: unknown }
const auditedOperations = new WeakMap<object, WeakMap<object, Map<string, Ended>>>()

/**
 * Wrap each root mutation field so that, in an operation being audited, what its resolver ended
 * with (the error it threw, the payload it returned, whatever the client selected of it) is kept
 * for the plugin below. Outside an audited operation it costs one WeakMap lookup per root
 * mutation field, and nothing for queries or any other field. Outermost (keystone.ts).
 */
export function auditImpersonatedMutations(schema: GraphQLSchema): GraphQLSchema {
  const mutation = schema.getMutationType()
  for (const field of Object.values(mutation?.getFields() ?? {}) as GraphQLField<unknown, KeystoneContext>[]) {
    const original = field.resolve ?? defaultFieldResolver
    field.resolve = (source, args, context, info) => {
      const ended = context.req && auditedOperations.get(context.req)?.get(info.operation)
      if (!ended) return original(source, args, context, info)
      const key = info.path.key as string
      const keep = (end: Ended) => void ended.set(key, end)
      try {
        const result = original(source, args, context, info)
        Promise.resolve(result).then(
          value => keep({ result: value }),
          error => keep({ error }),
        )
        return result
      } catch (error) {
        keep({ error })
        throw error
      }
    }
  }
  return schema
}

/** The Apollo plugin (keystone.ts apolloConfig.plugins). */
export function impersonationAuditPlugin(logger = rootLogger): ApolloServerPlugin<KeystoneContext> {
  return {
    async requestDidStart({ contextValue }) {
      const session = contextValue.session as Session | undefined
      // nothing at all for a request outside an impersonation
      if (!session?.impersonatorId || !session.sessionId) return
      return auditListener(session, logger)
    },
  }
}

function auditListener(session: Session, logger: typeof rootLogger): GraphQLRequestListener<KeystoneContext> {
  let audit: ImpersonationAudit | undefined
  let planned: RootField[] = []
  const ended = new Map<string, Ended>()
  return {
    // awaited by Apollo before execution: when the row cannot be written the operation does not run
    async executionDidStart(rc) {
      const operation = rc.operation
      const req = rc.contextValue.req
      if (operation?.operation !== 'mutation' || !req) return
      planned = rootFieldsOf(operation, fragmentsOf(rc), rc.request.variables ?? {})
      if (planned.length === 0) return
      audit = await openImpersonationAudit(rc.contextValue as unknown as Context, {
        userId: session.itemId,
        actorId: actorIdOf(session)!,
        sessionId: session.sessionId!,
        fields: planned.map(p => p.field),
      })
      const operations = auditedOperations.get(req) ?? new WeakMap<object, Map<string, Ended>>()
      operations.set(operation, ended)
      auditedOperations.set(req, operations)
    },
    // reached however execution ended (Apollo answers a thrown execution through here too)
    async willSendResponse(rc) {
      if (!audit) return
      const fields: AuditedField[] = planned.map(({ key, field }) => {
        const end = ended.get(key)
        if (!end) return { field, outcome: 'NOT_RUN' }
        const later = (rc.errors ?? []).filter(e => e.path?.[0] === key && e.path.length > 1).map(codeOfError)
        return { field, ...outcomeOfField(end, later) }
      })
      try {
        await closeImpersonationAudit(rc.contextValue as unknown as Context, audit, fields)
      } catch (error) {
        // the row stays, its fields PENDING: what was attempted is still on record
        logger.error({ err: error, eventId: audit.eventId }, 'impersonation audit outcome not recorded')
      }
    },
  }
}

function fragmentsOf(rc: GraphQLRequestContext<KeystoneContext>): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {}
  for (const definition of rc.document?.definitions ?? [])
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition
  return fragments
}
