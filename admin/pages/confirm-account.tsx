// The page an account-confirmation link from the Admin UI opens: one button, then confirmAccount
// with the link's email and token. A button rather than a confirmation on load, so a mail
// scanner that follows the link confirms nothing. Public: the token is the proof. A link that is
// incomplete, used, expired or replaced shows no button: it offers to send a new link instead.
import { useState } from 'react'
import { Button } from '@keystar/ui/button'
import { useMutation, gql } from '@keystone-6/core/admin-ui/apollo'
import {
  INCOMPLETE_LINK,
  LINK_NO_LONGER_VALID,
  PublicPage,
  Message,
  RequestNewLink,
  isLinkRefused,
  refusalsOf,
  useLinkParams,
} from '../components/PublicPage'

const CONFIRM = gql`
  mutation ConfirmAccountPage($email: String!, $token: String!) {
    confirmAccount(email: $email, token: $token) {
      errors {
        field
        message
      }
    }
  }
`

type Answer = { confirmAccount: { errors: { field: string | null; message: string | null }[] } | null }

const TITLE = 'Confirm your account'

export default function ConfirmAccountPage() {
  const link = useLinkParams()
  const [refusals, setRefusals] = useState<string[]>([])
  const [linkRefused, setLinkRefused] = useState(false)
  const [done, setDone] = useState(false)
  const [submit, { loading }] = useMutation<Answer>(CONFIRM, { fetchPolicy: 'no-cache' })

  async function onConfirm() {
    if (!link) return
    setRefusals([])
    const answer = await submit({ variables: link }).then(
      ({ data }) => {
        if (isLinkRefused(data?.confirmAccount?.errors)) setLinkRefused(true)
        return refusalsOf(data?.confirmAccount?.errors, !data?.confirmAccount)
      },
      failure => refusalsOf(undefined, failure),
    )
    if (answer.length) return setRefusals(answer)
    setDone(true)
  }

  if (done)
    return (
      <PublicPage title={TITLE}>
        <Message tone="positive">Your account is confirmed. You can sign in where you shop.</Message>
      </PublicPage>
    )
  if (linkRefused || (link && (!link.email || !link.token)))
    return (
      <PublicPage title={TITLE}>
        <Message tone="critical">
          {`${linkRefused ? LINK_NO_LONGER_VALID : INCOMPLETE_LINK} If your account is confirmed already, sign in where you shop.`}
        </Message>
        <RequestNewLink purpose="confirm" />
      </PublicPage>
    )
  return (
    <PublicPage title={TITLE}>
      {refusals.map(refusal => (
        <Message key={refusal} tone="critical">
          {refusal}
        </Message>
      ))}
      {/* the address is not shown: whoever writes a link chooses what it says */}
      <Message tone="neutral">Confirm your email address to finish setting up your account.</Message>
      <Button alignSelf="start" isDisabled={!link} isPending={loading} onPress={onConfirm} prominence="high">
        Confirm my account
      </Button>
    </PublicPage>
  )
}
