// A choice the system records (how a mailbox was proven): its option's label as text, not a
// disabled picker, and nothing while none is recorded. Where the field is editable, Keystone's own select.
import { Text } from '@keystar/ui/typography'
import type { CellComponent, FieldProps } from '@keystone-6/core/types'
import { Field as SelectField, controller } from '@keystone-6/core/fields/types/select/views'
import { ReadOnlyValue } from './readOnly'

export { controller }

export function Field(props: FieldProps<typeof controller>) {
  if (props.onChange) return <SelectField {...props} />
  // nothing recorded yet: nothing to read
  if (!props.value.value) return null
  return (
    <ReadOnlyValue label={props.field.label} description={props.field.description}>
      <Text>{props.value.value.label}</Text>
    </ReadOnlyValue>
  )
}

export const Cell: CellComponent<typeof controller> = ({ value, field }) => (
  <Text>{field.options.find(option => option.value === value)?.label ?? '—'}</Text>
)
