// What the Admin UI's own field views share: a read-only value shown as text under its label (not
// a disabled text box), and one way to write a date.
import type { ReactNode } from 'react'
import { VStack } from '@keystar/ui/layout'
import { Text } from '@keystar/ui/typography'

/** A field's label and its value as plain text, as a read-only form field reads. */
export function ReadOnlyValue(props: { label: string; description?: string | null; children: ReactNode }) {
  return (
    <VStack gap="medium" role="group" aria-label={props.label}>
      <Text size="regular" weight="semibold">
        {props.label}
      </Text>
      {props.children}
      {props.description ? (
        <Text size="small" color="neutralTertiary">
          {props.description}
        </Text>
      ) : null}
    </VStack>
  )
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })

/** A stored timestamp as a date and time in the reader's own zone, or null when there is none. */
export function formatDateTime(value: string | null | undefined): string | null {
  if (!value) return null
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? value : dateTime.format(date)
}

/** A stored timestamp as a date alone (a list's column), or null when there is none. */
export function formatDate(value: string | null | undefined): string | null {
  if (!value) return null
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? value : dateOnly.format(date)
}
