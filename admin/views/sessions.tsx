// A user's live sign-in sessions (lists/sessionsField.ts), read-only on the user's page.
import { Text } from '@keystar/ui/typography'
import type { CellComponent, FieldProps } from '@keystone-6/core/types'
import { controller } from '@keystone-6/core/fields/types/virtual/views'
import { ReadOnlyValue } from './readOnly'

export { controller }

type Row = {
  id: string
  current: boolean
  createdAt: string
  lastUsedAt: string | null
  ip: string
  userAgent: string
  amr: string[]
}

export function Field(props: FieldProps<typeof controller>) {
  if (!Array.isArray(props.value)) return null
  const rows = props.value as Row[]
  return (
    <ReadOnlyValue label={props.field.label} description={props.field.description}>
      <Text>
        {rows.length ? rows.map(row => `${row.userAgent || 'Unknown device'} · ${row.ip}`).join('\n') : 'None'}
      </Text>
    </ReadOnlyValue>
  )
}

export const Cell: CellComponent<typeof controller> = ({ value }) => (
  <Text>{Array.isArray(value) ? String(value.length) : ''}</Text>
)
