// A timestamp the system writes (joined, last sign-in, updated, mailbox proven, token used): a date
// to read, not a date picker; "Never" when there is none. Where the field is editable, Keystone's
// own picker.
import { Text } from '@keystar/ui/typography'
import type { CellComponent, FieldProps } from '@keystone-6/core/types'
import { Field as TimestampField, controller } from '@keystone-6/core/fields/types/timestamp/views'
import { ReadOnlyValue, formatDate, formatDateTime } from './readOnly'

export { controller }

export function Field(props: FieldProps<typeof controller>) {
  if (props.onChange) return <TimestampField {...props} />
  return (
    <ReadOnlyValue label={props.field.label} description={props.field.description}>
      <Text>{formatDateTime(props.value.value) ?? 'Never'}</Text>
    </ReadOnlyValue>
  )
}

export const Cell: CellComponent<typeof controller> = ({ value }) => (
  <Text>{formatDate(typeof value === 'string' ? value : null) ?? '—'}</Text>
)
