// A user's live sign-in sessions (lists/sessionsField.ts) on the user's page: a read-only table of
// the device, the IP, when each began and was last used, and how it signed in, the reader's own
// session marked "This session". Each other row offers "Sign out this session", which calls the
// API's own sessionRevoke (the rule of whose sessions a reader may end is the server's: the same one
// that let it read this field), tells its outcome in a toast, and reads the user's sessions again
// into Apollo's cache, where the page's item query sees them: the page keeps its place, with no
// spinner, as a refetch of the whole item would not. ("Sign out everywhere" stays a list action:
// lists/userActions.ts.)
import { useMemo, useState } from 'react'
import { ActionButton } from '@keystar/ui/button'
import { Badge } from '@keystar/ui/badge'
import { AlertDialog, DialogContainer } from '@keystar/ui/dialog'
import { Flex } from '@keystar/ui/layout'
import { css, tokenSchema } from '@keystar/ui/style'
import { toastQueue } from '@keystar/ui/toast'
import { Text } from '@keystar/ui/typography'
import { gql, useApolloClient, useMutation } from '@keystone-6/core/admin-ui/apollo'
import type { CellComponent, FieldProps } from '@keystone-6/core/types'
import { controller } from '@keystone-6/core/fields/types/virtual/views'
import { formatDateTime, ReadOnlyValue } from './readOnly'
import { deviceOf, signInMethodsOf } from './sessionWords'

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

const REVOKE = gql`
  mutation SessionRevoke($id: ID!) {
    sessionRevoke(id: $id) {
      errors {
        field
        code
        message
      }
    }
  }
`
type RevokeAnswer = { sessionRevoke: { errors: { field: string | null; code: string; message: string | null }[] } }

// a table of the user page's main column (about 600 pixels wide at 1280): every column may wrap
const tableClass = css({
  borderCollapse: 'separate',
  borderSpacing: 0,
  width: '100%',
  border: `${tokenSchema.size.border.regular} solid ${tokenSchema.color.border.neutral}`,
  borderRadius: tokenSchema.size.radius.medium,
  overflow: 'hidden',
  'th, td': {
    paddingBlock: tokenSchema.size.space.regular,
    paddingInline: tokenSchema.size.space.regular,
    textAlign: 'start',
    verticalAlign: 'top',
    borderBottom: `${tokenSchema.size.border.regular} solid ${tokenSchema.color.border.muted}`,
    // a date in two even lines (its day, then its time), an IPv6 address broken where it must
    textWrap: 'balance',
    overflowWrap: 'anywhere',
  },
  'tbody tr:last-child td, tbody tr:last-child th': { borderBottom: 'none' },
  'thead th': { backgroundColor: tokenSchema.color.background.surface, verticalAlign: 'bottom' },
  'tbody th, tbody td': { backgroundColor: tokenSchema.color.background.canvas, fontWeight: 'normal' },
  // the device takes what the others leave; the action keeps to its line, at the row's end
  'tbody th': { width: '35%', overflowWrap: 'break-word' },
  'td:last-child': { textAlign: 'end', verticalAlign: 'middle', whiteSpace: 'nowrap' },
})

const COLUMNS = ['Device', 'IP', 'Began', 'Last used', 'How'] as const

function SessionRow({ row, onSignOut }: { row: Row; onSignOut: (row: Row) => void }) {
  return (
    <tr>
      <th scope="row" title={row.userAgent || undefined}>
        <Flex gap="regular" alignItems="center" wrap>
          <Text>{deviceOf(row.userAgent)}</Text>
          {row.current ? <Badge tone="accent">This session</Badge> : null}
        </Flex>
      </th>
      <td>
        <Text>{row.ip || 'Unknown'}</Text>
      </td>
      <td>
        <Text>{formatDateTime(row.createdAt) ?? '—'}</Text>
      </td>
      <td>
        <Text>{formatDateTime(row.lastUsedAt) ?? '—'}</Text>
      </td>
      <td>
        <Text>{signInMethodsOf(row.amr)}</Text>
      </td>
      <td>
        {/* "Sign out this session" by name (the column is narrow); the reader's own session ends
            with the Admin UI's "Sign out" */}
        {row.current ? null : (
          <ActionButton aria-label={`Sign out this session: ${deviceOf(row.userAgent)}`} onPress={() => onSignOut(row)}>
            Sign out
          </ActionButton>
        )}
      </td>
    </tr>
  )
}

export function Field(props: FieldProps<typeof controller>) {
  const [confirming, setConfirming] = useState<Row | null>(null)
  const [revoke] = useMutation<RevokeAnswer, { id: string }>(REVOKE, { fetchPolicy: 'no-cache' })
  const client = useApolloClient()
  // the user's sessions as the item page's own query selects them, so that the answer lands in the
  // cached user that query reads
  const selection = props.field.graphqlSelection
  const sessionsQuery = useMemo(
    () => gql`
      query SessionsOfUser($id: ID!) {
        user(where: { id: $id }) {
          id
          ${selection}
        }
      }
    `,
    [selection],
  )
  // the create form has no sessions yet
  if (!Array.isArray(props.value)) return null
  const rows = props.value as Row[]
  const userId = String(props.itemValue.id)

  async function signOut(row: Row) {
    const device = deviceOf(row.userAgent)
    try {
      const { data } = await revoke({ variables: { id: row.id } })
      const errors = data?.sessionRevoke.errors ?? []
      if (errors.length) {
        const reason = errors.map(error => error.message || error.code).join(' ')
        toastQueue.critical(`Could not sign out this session (${device}): ${reason}`, { timeout: 10000 })
      } else {
        toastQueue.positive(`Signed out the session of ${device}, ${row.ip || 'unknown IP'}`, { timeout: 5000 })
      }
    } catch (error) {
      toastQueue.critical(`Could not sign out this session (${device}): ${(error as Error).message}`, {
        timeout: 10000,
      })
    }
    // whatever the answer, the table shows what is live now (a session ended elsewhere meanwhile too)
    try {
      await client.query({ query: sessionsQuery, variables: { id: userId }, fetchPolicy: 'network-only' })
    } catch (error) {
      toastQueue.critical(`Could not read the sessions again: ${(error as Error).message}`, { timeout: 10000 })
    }
  }

  return (
    <ReadOnlyValue label={props.field.label} description={props.field.description}>
      {rows.length ? (
        <table className={tableClass} aria-label={props.field.label}>
          <thead>
            <tr>
              {COLUMNS.map(column => (
                <th key={column} scope="col">
                  <Text size="small" weight="medium" color="neutralSecondary">
                    {column}
                  </Text>
                </th>
              ))}
              <th scope="col" aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {rows.map(row => (
              <SessionRow key={row.id} row={row} onSignOut={setConfirming} />
            ))}
          </tbody>
        </table>
      ) : (
        <Text>No active sessions</Text>
      )}
      <DialogContainer onDismiss={() => setConfirming(null)}>
        {confirming ? (
          <AlertDialog
            tone="critical"
            title="Sign out this session"
            cancelLabel="Cancel"
            primaryActionLabel="Sign out this session"
            onPrimaryAction={() => void signOut(confirming)}
          >
            <Text>{`${deviceOf(confirming.userAgent)} at ${confirming.ip || 'an unknown IP'} will have to sign in again.`}</Text>
          </AlertDialog>
        ) : null}
      </DialogContainer>
    </ReadOnlyValue>
  )
}

export const Cell: CellComponent<typeof controller> = ({ value }) => (
  <Text>{Array.isArray(value) ? String(value.length) : ''}</Text>
)
