// A computed list (effective permissions, reachable channels): each value a badge, or "None", not
// a text box holding `[]`. Objects read as their name.
import { Badge } from '@keystar/ui/badge'
import { Flex } from '@keystar/ui/layout'
import { Text } from '@keystar/ui/typography'
import type { CellComponent, FieldProps } from '@keystone-6/core/types'
import { controller } from '@keystone-6/core/fields/types/virtual/views'
import { ReadOnlyValue } from './readOnly'

export { controller }

function labelsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return []
  return value.map(entry =>
    typeof entry === 'string'
      ? entry
      : entry && typeof entry === 'object' && 'name' in entry
        ? String((entry as { name: unknown }).name)
        : JSON.stringify(entry),
  )
}

export function Field(props: FieldProps<typeof controller>) {
  // the create form has no computed value yet
  if (!Array.isArray(props.value)) return null
  const labels = labelsOf(props.value)
  return (
    <ReadOnlyValue label={props.field.label} description={props.field.description}>
      {labels.length ? (
        <Flex gap="regular" wrap>
          {labels.map(label => (
            <Badge key={label}>{label}</Badge>
          ))}
        </Flex>
      ) : (
        <Text>None</Text>
      )}
    </ReadOnlyValue>
  )
}

export const Cell: CellComponent<typeof controller> = ({ value }) => <Text>{labelsOf(value).join(', ') || '—'}</Text>
