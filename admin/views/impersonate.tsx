// "View storefront as this customer" on a customer's page (lists/impersonationFields.ts: its value
// is STOREFRONT_URL where the action is offered): asks why, calls the API's own userImpersonate,
// and opens the storefront in a new tab with the customer's 15-minute token in the URL's fragment
// (`#token=…`), never its query: a fragment is not sent to the storefront's server, nor in a
// Referer, nor kept in its access logs. The tab is opened at once on the press, as a browser allows
// a new window only then, and sent to the storefront once the token is there; it never holds a
// handle back to the Admin UI (opener cleared). Every rule is the server's: a refusal is shown as
// it comes. No <form>: the field sits inside the user page's own form.
import { useState } from 'react'
import { Button } from '@keystar/ui/button'
import { HStack, VStack } from '@keystar/ui/layout'
import { TextField } from '@keystar/ui/text-field'
import { Text } from '@keystar/ui/typography'
import { toastQueue } from '@keystar/ui/toast'
import { gql, useMutation } from '@keystone-6/core/admin-ui/apollo'
import type { CellComponent, FieldProps } from '@keystone-6/core/types'
import { controller } from '@keystone-6/core/fields/types/virtual/views'
import { ReadOnlyValue } from './readOnly'

export { controller }

const IMPERSONATE = gql`
  mutation UserImpersonate($id: ID!, $reason: String!) {
    userImpersonate(id: $id, reason: $reason) {
      token
      errors {
        field
        code
        message
      }
    }
  }
`
type Answer = {
  userImpersonate: { token: string | null; errors: { field: string | null; code: string; message: string | null }[] }
}

/** The storefront's address with the token in its fragment. */
export function storefrontWithToken(storefrontUrl: string, token: string): string {
  const url = new URL(storefrontUrl)
  url.search = ''
  url.hash = `token=${encodeURIComponent(token)}`
  return url.toString()
}

export function Field(props: FieldProps<typeof controller>) {
  const [asking, setAsking] = useState(false)
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const [impersonate] = useMutation<Answer, { id: string; reason: string }>(IMPERSONATE, { fetchPolicy: 'no-cache' })
  if (typeof props.value !== 'string' || !props.value) return null
  const storefrontUrl: string = props.value
  const userId = String(props.itemValue.id)

  async function open() {
    // opened on the press itself, as a browser lets a page open a window only then
    const tab = window.open('about:blank', '_blank')
    // a blocked tab: ask before an impersonation is started (and recorded) for nothing
    if (!tab) {
      toastQueue.critical('The browser blocked the new tab: allow pop-ups for this site, then press again.', {
        timeout: 10000,
      })
      return
    }
    tab.opener = null
    setBusy(true)
    try {
      const { data } = await impersonate({ variables: { id: userId, reason } })
      const errors = data?.userImpersonate.errors ?? []
      const token = data?.userImpersonate.token
      if (errors.length || !token) {
        tab.close()
        const why = errors.map(error => error.message || error.code).join(' ') || 'no token'
        toastQueue.critical(`Could not view the storefront as this customer: ${why}`, { timeout: 10000 })
        return
      }
      const target = storefrontWithToken(storefrontUrl, token)
      tab.location.replace(target)
      setAsking(false)
      setReason('')
      toastQueue.positive('The storefront opened in a new tab, as this customer, for 15 minutes', { timeout: 5000 })
    } catch (error) {
      tab.close()
      toastQueue.critical(`Could not view the storefront as this customer: ${(error as Error).message}`, {
        timeout: 10000,
      })
    } finally {
      setBusy(false)
    }
  }

  return (
    <ReadOnlyValue label={props.field.label} description={props.field.description}>
      {asking ? (
        <VStack gap="regular" role="group" aria-label="View storefront as this customer">
          <TextField
            autoFocus
            label="Reason"
            description="Kept in the customer's history, with your name"
            onChange={setReason}
            value={reason}
            maxLength={500}
          />
          <HStack gap="regular">
            <Button prominence="high" isDisabled={busy || !reason.trim()} onPress={() => void open()}>
              Open storefront
            </Button>
            <Button onPress={() => setAsking(false)}>Cancel</Button>
          </HStack>
        </VStack>
      ) : (
        <VStack gap="regular">
          <Button onPress={() => setAsking(true)}>View storefront as this customer</Button>
          <Text size="small" color="neutralSecondary">
            {hostOf(storefrontUrl)}
          </Text>
        </VStack>
      )}
    </ReadOnlyValue>
  )
}

// the storefront's host, for the line under the button; the value as it is if it is not a URL
function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

export const Cell: CellComponent<typeof controller> = () => null
