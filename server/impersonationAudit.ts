// The one place an impersonation's changes are audited (API.md §10): an Apollo plugin that, for a
// mutation operation run in an impersonation session (Session.impersonatorId), writes one
// IMPERSONATED_CHANGE event on the customer with the staff member as actor
// (services/users/impersonationAudit.ts): before execution, naming the root fields asked for;
// after it, each field's outcome, refused attempts included. It covers every mutation by class
// (both vocabularies, Keystone's generated API, any added later) because every GraphQL operation
// passes here, whatever its resolver records itself. A request outside an impersonation, and any
// query, gets no listener at all. HTTP batching is off (Apollo's default, not changed in
// keystone.ts), and were it on, each operation of a batch would pass here as its own request.
import type { ApolloServerPlugin, GraphQLRequestContext, GraphQLRequestListener } from '@apollo/server'
import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql'
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

/** The Apollo plugin (keystone.ts apolloConfig.plugins). */
export function impersonationAuditPlugin(logger = rootLogger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const session = contextValue.session as Session | undefined
      // nothing at all for a request outside an impersonation
      if (!session?.impersonatorId || !session.sessionId) return
      return auditListener(session, logger)
    },
  }
}

function auditListener(session: Session, logger: typeof rootLogger): GraphQLRequestListener<Context> {
  let audit: ImpersonationAudit | undefined
  let planned: RootField[] = []
  // what each root field's resolver ended with, by response key
  const ended = new Map<string, { field: string; error?: unknown; result?: unknown }>()
  return {
    // awaited by Apollo before execution: when the row cannot be written the operation does not run
    async executionDidStart(rc) {
      const operation = rc.operation
      if (operation?.operation !== 'mutation') return
      planned = rootFieldsOf(operation, fragmentsOf(rc), rc.request.variables ?? {})
      if (planned.length === 0) return
      audit = await openImpersonationAudit(rc.contextValue, {
        userId: session.itemId,
        actorId: actorIdOf(session)!,
        sessionId: session.sessionId!,
        fields: planned.map(p => p.field),
      })
      return {
        willResolveField({ info }) {
          // this operation's own root fields, not those of a query a resolver runs inside it
          if (info.operation !== operation || info.path.prev !== undefined) return
          const key = String(info.path.key)
          return (error, result) => ended.set(key, { field: info.fieldName, error: error ?? undefined, result })
        },
      }
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
        await closeImpersonationAudit(rc.contextValue, audit, fields)
      } catch (error) {
        // the row stays, its fields PENDING: what was attempted is still on record
        logger.error({ err: error, eventId: audit.eventId }, 'impersonation audit outcome not recorded')
      }
    },
  }
}

function fragmentsOf(rc: GraphQLRequestContext<Context>): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {}
  for (const definition of rc.document?.definitions ?? [])
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition
  return fragments
}
