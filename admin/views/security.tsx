// The "Security" area of a user's page (lists/secondFactorFields.ts: secondFactorEnabled). On one's
// own page: one's second factors, to set up and manage (admin/components/SecondFactor.tsx). On
// another user's page: whether two-step sign-in is on; staff who may reset it find "Reset second
// factor" among the page's actions (lists/userActions.ts), where the server decides who may.
import { Text } from '@keystar/ui/typography'
import type { CellComponent, FieldProps } from '@keystone-6/core/types'
import { controller } from '@keystone-6/core/fields/types/virtual/views'
import { MySecondFactors, useMySecurity } from '../components/SecondFactor'
import { ReadOnlyValue } from './readOnly'

export { controller }

function word(value: unknown): string {
  return value === true ? 'On' : value === false ? 'Off' : '—'
}

export function Field(props: FieldProps<typeof controller>) {
  const { data, refetch } = useMySecurity()
  // the create form has no computed value yet
  if (typeof props.value !== 'boolean') return null
  const me = data?.me
  const own = me && String(me.id) === String(props.itemValue.id)
  return (
    <ReadOnlyValue label={props.field.label} description={props.field.description}>
      {own ? (
        <MySecondFactors me={me} onChanged={() => void refetch()} />
      ) : (
        <Text>{`Two-step sign-in: ${word(props.value)}`}</Text>
      )}
    </ReadOnlyValue>
  )
}

export const Cell: CellComponent<typeof controller> = ({ value }) => <Text>{word(value)}</Text>
