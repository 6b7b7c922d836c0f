// A computed yes-or-no (has a password, has a customer token, limited to some channels): a word
// to read, not a text box holding `true`.
import { Text } from '@keystar/ui/typography'
import type { CellComponent, FieldProps } from '@keystone-6/core/types'
import { controller } from '@keystone-6/core/fields/types/virtual/views'
import { ReadOnlyValue } from './readOnly'

export { controller }

function word(value: unknown): string {
  return value === true ? 'Yes' : value === false ? 'No' : '—'
}

export function Field(props: FieldProps<typeof controller>) {
  // the create form has no computed value yet
  if (typeof props.value !== 'boolean') return null
  return (
    <ReadOnlyValue label={props.field.label} description={props.field.description}>
      <Text>{word(props.value)}</Text>
    </ReadOnlyValue>
  )
}

export const Cell: CellComponent<typeof controller> = ({ value }) => <Text>{word(value)}</Text>
