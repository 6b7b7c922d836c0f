// A computed line of text (an address on one line): text to read, not a read-only text box.
import { Text } from '@keystar/ui/typography'
import type { CellComponent, FieldProps } from '@keystone-6/core/types'
import { controller } from '@keystone-6/core/fields/types/virtual/views'
import { ReadOnlyValue } from './readOnly'

export { controller }

export function Field(props: FieldProps<typeof controller>) {
  // the create form has no computed value yet
  if (typeof props.value !== 'string') return null
  return (
    <ReadOnlyValue label={props.field.label} description={props.field.description}>
      <Text>{props.value || '—'}</Text>
    </ReadOnlyValue>
  )
}

export const Cell: CellComponent<typeof controller> = ({ value }) => (
  <Text>{typeof value === 'string' ? value : ''}</Text>
)
