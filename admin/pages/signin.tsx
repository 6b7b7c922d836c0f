// The Admin UI sign-in page: Keystone's own (@keystone-6/auth/pages/SigninPage), except that a
// refusal stays on screen. Keystone's refetches the Admin UI's metadata after every attempt, which
// is refused to anyone signed out and remounts the page with an empty form; this one loads the
// Admin UI afresh only after a success. The refusal reads the same for every cause (enumeration).
import { useState, type FormEvent } from 'react'
import { Button } from '@keystar/ui/button'
import { VStack } from '@keystar/ui/layout'
import { PasswordField } from '@keystar/ui/password-field'
import { TextField } from '@keystar/ui/text-field'
import { useMutation, gql } from '@keystone-6/core/admin-ui/apollo'
import { GraphQLErrorNotice } from '@keystone-6/core/admin-ui/components'
import { Message, PublicPage } from '../components/PublicPage'

const SIGN_IN = gql`
  mutation KsAuthSignin($identity: String!, $secret: String!) {
    authenticate: authenticateUserWithPassword(email: $identity, password: $secret) {
      __typename
    }
  }
`

// the type alone tells success from failure: no fragment on the union, which Apollo, not told the
// union's members, would warn about on every answer in development; every failure reads the same
type Answer = { authenticate: { __typename: string } | null }
const SUCCESS = 'UserAuthenticationWithPasswordSuccess'

export default function SigninPage() {
  const [identity, setIdentity] = useState('')
  const [secret, setSecret] = useState('')
  const [refused, setRefused] = useState<string | null>(null)
  // not cached: nothing reads the answer again
  const [signIn, { error, loading }] = useMutation<Answer>(SIGN_IN, { fetchPolicy: 'no-cache' })
  const [signedIn, setSignedIn] = useState(false)

  async function onSubmit(event: FormEvent<HTMLElement>) {
    if (event.target !== event.currentTarget) return
    event.preventDefault()
    setRefused(null)
    const { data } = await signIn({ variables: { identity, secret } }).catch(() => ({ data: undefined }))
    if (data?.authenticate?.__typename === SUCCESS) {
      setSignedIn(true)
      // a full load: the Admin UI's metadata is read again with the new session cookie
      window.location.assign('/')
      return
    }
    setSecret('')
    if (data?.authenticate) setRefused('Authentication failed.')
  }

  return (
    <PublicPage title="Sign in">
      <GraphQLErrorNotice errors={[error]} />
      {refused && (
        <Message tone="critical">{`${refused} Check the email and password: only active staff may sign in here.`}</Message>
      )}
      <VStack elementType="form" onSubmit={onSubmit} gap="xxlarge">
        <VStack gap="large">
          <TextField
            autoFocus
            autoComplete="username"
            id="identity"
            isRequired
            label="Email"
            name="identity"
            onChange={setIdentity}
            value={identity}
          />
          <PasswordField
            id="password"
            isRequired
            label="Password"
            autoComplete="current-password"
            onChange={setSecret}
            value={secret}
          />
        </VStack>
        <Button alignSelf="start" isPending={loading || signedIn} prominence="high" type="submit">
          Sign in
        </Button>
      </VStack>
    </PublicPage>
  )
}
