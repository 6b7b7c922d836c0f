// The page a password-reset link from the Admin UI opens (and a staff invitation's, when it names
// this page): the new password, twice, then setPassword with the link's email and token. Public:
// the reader has no session; the token is the proof. The answers come from the same mutation a
// storefront calls, so the password policy and every refusal read the same. A link that is
// incomplete, used, expired or replaced shows no form: it offers to send a new link instead.
import { useState, type FormEvent } from 'react'
import { Button } from '@keystar/ui/button'
import { VStack } from '@keystar/ui/layout'
import { PasswordField } from '@keystar/ui/password-field'
import { TextLink } from '@keystar/ui/link'
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

const SET_PASSWORD = gql`
  mutation ResetPasswordPage($email: String!, $token: String!, $password: String!) {
    setPassword(email: $email, token: $token, password: $password) {
      errors {
        field
        code
        message
      }
    }
  }
`

type Refusal = { field: string | null; code: string; message: string | null }
type Answer = { setPassword: { errors: Refusal[] } | null }

// setPassword sets the password first and only then refuses to sign in an account that may not:
// for these the password is set all the same
const SET_BUT_NOT_SIGNED_IN = new Set(['INACTIVE', 'DISABLED_AUTHENTICATION_METHOD'])

export default function ResetPasswordPage() {
  const link = useLinkParams()
  const [password, setPassword] = useState('')
  const [repeated, setRepeated] = useState('')
  const [refusals, setRefusals] = useState<string[]>([])
  const [linkRefused, setLinkRefused] = useState(false)
  const [done, setDone] = useState(false)
  const [submit, { loading }] = useMutation<Answer>(SET_PASSWORD, { fetchPolicy: 'no-cache' })

  async function onSubmit(event: FormEvent<HTMLElement>) {
    if (event.target !== event.currentTarget) return
    event.preventDefault()
    if (!link) return
    if (password !== repeated) return setRefusals(['The two passwords differ.'])
    setRefusals([])
    // the tokens setPassword answers are dropped: this page signs no one in, and the refresh
    // cookie it sets is no use without the CSRF token that came with them
    const answer = await submit({ variables: { ...link, password } }).then(
      ({ data }) => {
        const errors = data?.setPassword?.errors ?? []
        if (errors.length && errors.every(error => SET_BUT_NOT_SIGNED_IN.has(error.code))) return []
        if (isLinkRefused(errors)) setLinkRefused(true)
        return refusalsOf(errors, !data?.setPassword)
      },
      failure => refusalsOf(undefined, failure),
    )
    if (answer.length) return setRefusals(answer)
    setDone(true)
  }

  if (!done && (linkRefused || (link && (!link.email || !link.token))))
    return (
      <PublicPage title="Choose a new password">
        <Message tone="critical">{linkRefused ? LINK_NO_LONGER_VALID : INCOMPLETE_LINK}</Message>
        <RequestNewLink purpose="reset" />
      </PublicPage>
    )
  if (done)
    return (
      <PublicPage title="Choose a new password">
        <Message tone="positive">
          Your password is set, and every earlier session of the account has ended. Sign in with the new password where
          you shop; staff sign in to the <TextLink href="/signin">Admin UI</TextLink>.
        </Message>
      </PublicPage>
    )
  return (
    <PublicPage title="Choose a new password">
      {refusals.map(refusal => (
        <Message key={refusal} tone="critical">
          {refusal}
        </Message>
      ))}
      <VStack elementType="form" onSubmit={onSubmit} gap="xxlarge">
        <VStack gap="large">
          <PasswordField
            autoFocus
            id="password"
            isRequired
            label="New password"
            autoComplete="new-password"
            onChange={setPassword}
            value={password}
          />
          <PasswordField
            id="repeated"
            isRequired
            label="New password, again"
            autoComplete="new-password"
            onChange={setRepeated}
            value={repeated}
          />
        </VStack>
        <Button alignSelf="start" isDisabled={!link} isPending={loading} prominence="high" type="submit">
          Set my password
        </Button>
      </VStack>
    </PublicPage>
  )
}
