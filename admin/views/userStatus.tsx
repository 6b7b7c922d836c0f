// A user's status flags (active, confirmed, staff, superuser). On the user's page the first of
// them (isActive, at the top of the sidebar) shows every flag as a badge a support agent reads at
// a glance; each flag the reader may change follows as Keystone's checkbox, and one it may not
// change shows nothing more. The users list says yes or no under the flag's name.
import { Badge } from '@keystar/ui/badge'
import { Flex, VStack } from '@keystar/ui/layout'
import { Text } from '@keystar/ui/typography'
import type { CellComponent, FieldProps } from '@keystone-6/core/types'
import { Field as CheckboxField, controller } from '@keystone-6/core/fields/types/checkbox/views'

export { controller }

type Tone = 'positive' | 'critical' | 'caution' | 'neutral' | 'accent' | 'highlight'
type Reading = [label: string, tone: Tone] | null

// how each flag of lists/User.ts reads when on and when off (null: no badge), in badge order
const READINGS: [fieldKey: string, on: Reading, off: Reading][] = [
  ['isActive', ['Active', 'positive'], ['Deactivated', 'critical']],
  ['isConfirmed', ['Email confirmed', 'positive'], ['Email not confirmed', 'caution']],
  ['isStaff', ['Staff', 'accent'], ['Customer', 'neutral']],
  ['isSuperuser', ['Superuser', 'highlight'], null],
]
const SUMMARY_FIELD = READINGS[0]![0]

// the reader's view of every flag the page holds, in badge order
function StatusBadges({ itemValue }: { itemValue: Record<string, unknown> }) {
  const badges = READINGS.flatMap(([fieldKey, on, off]) => {
    const value = itemValue[fieldKey]
    if (typeof value !== 'boolean') return []
    const reading = value ? on : off
    return reading ? [reading] : []
  })
  return (
    <Flex gap="regular" wrap aria-label="Status">
      {badges.map(([label, tone]) => (
        <Badge key={label} tone={tone}>
          {label}
        </Badge>
      ))}
    </Flex>
  )
}

export function Field(props: FieldProps<typeof controller>) {
  const isSummary = props.field.fieldKey === SUMMARY_FIELD
  if (!isSummary && !props.onChange) return null
  return (
    <VStack gap="large">
      {isSummary ? <StatusBadges itemValue={{ ...props.itemValue, [SUMMARY_FIELD]: props.value }} /> : null}
      {props.onChange ? <CheckboxField {...props} /> : null}
    </VStack>
  )
}

// a column's header names the flag: its cells say yes or no
export const Cell: CellComponent<typeof controller> = ({ value }) => <Text>{value === true ? 'Yes' : 'No'}</Text>
