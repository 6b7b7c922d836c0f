// What a request selects of a field's answer: tokenRefresh rotates the refresh token only for a
// client that asks for the new one (API.md §9), however it asks (an alias, a fragment), and only
// when the answer will carry it: a selection that `@skip` or `@include` leaves out asks for nothing.
import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  type FieldNode,
  type FragmentSpreadNode,
  type GraphQLResolveInfo,
  type InlineFragmentNode,
  type SelectionSetNode,
} from 'graphql'

/** Whether the request selects `name` on the field being resolved, directly or through fragments. */
export function selects(info: GraphQLResolveInfo, name: string): boolean {
  return info.fieldNodes.some(node => setSelects(info, node.selectionSet, name, new Set()))
}

function setSelects(info: GraphQLResolveInfo, set: SelectionSetNode | undefined, name: string, seen: Set<string>) {
  for (const selection of set?.selections ?? []) {
    if (!included(info, selection)) continue
    if (selection.kind === 'Field' && selection.name.value === name) return true
    if (selection.kind === 'InlineFragment' && setSelects(info, selection.selectionSet, name, seen)) return true
    if (selection.kind === 'FragmentSpread' && !seen.has(selection.name.value)) {
      seen.add(selection.name.value)
      if (setSelects(info, info.fragments[selection.name.value]?.selectionSet, name, seen)) return true
    }
  }
  return false
}

// graphql-js's own rule (execution's shouldIncludeNode): `@skip(if: true)` or `@include(if: false)` leaves it out
function included(info: GraphQLResolveInfo, node: FieldNode | FragmentSpreadNode | InlineFragmentNode): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.if === true) return false
  return getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.if !== false
}
