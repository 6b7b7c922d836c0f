// What a request selects of a field's answer: tokenRefresh rotates the refresh token only for a
// client that asks for the new one (API.md §9), however it asks (an alias, a fragment).
import type { FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql'

/** Whether the request selects `name` on the field being resolved, directly or through fragments. */
export function selects(info: GraphQLResolveInfo, name: string): boolean {
  return info.fieldNodes.some(node => setSelects(node.selectionSet, name, info.fragments, new Set()))
}

function setSelects(
  set: SelectionSetNode | undefined,
  name: string,
  fragments: Record<string, FragmentDefinitionNode>,
  seen: Set<string>,
): boolean {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === 'Field' && selection.name.value === name) return true
    if (selection.kind === 'InlineFragment' && setSelects(selection.selectionSet, name, fragments, seen)) return true
    if (selection.kind === 'FragmentSpread' && !seen.has(selection.name.value)) {
      seen.add(selection.name.value)
      if (setSelects(fragments[selection.name.value]?.selectionSet, name, fragments, seen)) return true
    }
  }
  return false
}
