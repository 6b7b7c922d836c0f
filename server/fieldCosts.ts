// Keystone's generated fields that check a password or send a mail carry the declaration of the
// list action or list field they are generated from (`withCostlyWork`, lists/costlyWork.ts): a
// marked action's mutations (one and many), a marked field's create and update inputs. Copied onto
// the finished schema once, so the request limits (server/graphqlLimits.ts) read every costly field
// from the schema alike; a mark whose generated field is missing stops the start.
import { __getNames, type ListConfig } from '@keystone-6/core/types'
import { isInputObjectType, type GraphQLSchema } from 'graphql'
import { declareCostlyWork, type WithCostlyWork } from '../lists/costlyWork'

type Lists = Record<string, ListConfig<any>>

function mutationField(schema: GraphQLSchema, name: string) {
  const field = schema.getMutationType()?.getFields()[name]
  if (!field) throw new Error(`A costly list action has no generated mutation ${name}`)
  return field
}

function inputField(schema: GraphQLSchema, typeName: string, fieldKey: string) {
  const type = schema.getType(typeName)
  const field = isInputObjectType(type) ? type.getFields()[fieldKey] : undefined
  if (!field) throw new Error(`A costly list field has no input ${typeName}.${fieldKey}`)
  return field
}

/** Declare on the generated fields the costly work their list actions and list fields declare. */
export function declareGeneratedCosts(schema: GraphQLSchema, lists: Lists): GraphQLSchema {
  for (const [listKey, list] of Object.entries(lists)) {
    // Keystone's own names: an action's mutations are `${actionKey}${singular}` and `${actionKey}${plural}`
    const { graphql } = __getNames(listKey, list as Parameters<typeof __getNames>[1])
    for (const [actionKey, action] of Object.entries(list.actions ?? {})) {
      const { costlyWork } = action as WithCostlyWork
      if (!costlyWork) continue
      declareCostlyWork(
        mutationField(schema, action.graphql?.singular ?? `${actionKey}${graphql.singular}`),
        costlyWork,
      )
      declareCostlyWork(mutationField(schema, action.graphql?.plural ?? `${actionKey}${graphql.plural}`), costlyWork)
    }
    for (const [fieldKey, field] of Object.entries(list.fields)) {
      const { costlyWork } = field as WithCostlyWork
      if (!costlyWork) continue
      for (const input of [graphql.names.createInputName, graphql.names.updateInputName])
        declareCostlyWork(inputField(schema, input, fieldKey), costlyWork)
    }
  }
  return schema
}
