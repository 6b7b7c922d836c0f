// Where STAFF_MFA_REQUIRED sends staff signed in without a second factor (auth.ts: the Admin UI's
// page middleware): set up an authenticator app (the QR code, a first code, the recovery codes shown
// once) or add a passkey, then sign in again with it. Public, as the Admin UI itself refuses the
// session until then; the session is the reader's own cookie (acting as a customer meanwhile), and
// the mutations are the self-service ones a storefront calls.
import { useState } from 'react'
import { Button } from '@keystar/ui/button'
import { VStack } from '@keystar/ui/layout'
import { TextLink } from '@keystar/ui/link'
import { Heading, Text } from '@keystar/ui/typography'
import { gql, useMutation } from '@keystone-6/core/admin-ui/apollo'
import { Message, PublicPage } from '../components/PublicPage'
import { AddPasskey, TotpSetup, useMySecurity } from '../components/SecondFactor'

const END_SESSION = gql`
  mutation SecondFactorSignOut {
    endSession
  }
`

export default function SecondFactorPage() {
  const { data, loading, refetch } = useMySecurity()
  const [done, setDone] = useState(false)
  const [endSession, { loading: leaving }] = useMutation(END_SESSION, { fetchPolicy: 'no-cache' })
  const me = data?.me

  // the session in hand proved a password only: signing in again with the new factor makes one that counts
  async function signInAgain() {
    await endSession().catch(() => undefined)
    window.location.assign('/signin')
  }

  const again = (
    <Button alignSelf="start" isPending={leaving} prominence="high" onPress={() => void signInAgain()}>
      Sign in again
    </Button>
  )

  if (loading && !data) return <PublicPage title="Turn on two-step sign-in">{null}</PublicPage>
  if (!me)
    return (
      <PublicPage title="Turn on two-step sign-in">
        <Message tone="neutral">
          Sign in first: <TextLink href="/signin">go to the sign-in page</TextLink>.
        </Message>
      </PublicPage>
    )
  if (done || me.totpEnabled || me.passkeys.length > 0)
    return (
      <PublicPage title="Turn on two-step sign-in">
        <Message tone="positive">
          {done
            ? 'Two-step sign-in is on. Sign in again, now with your second factor, to reach the Admin UI.'
            : 'You have a second factor already. Sign in again with it (the code from your app after your password, or your passkey) to reach the Admin UI.'}
        </Message>
        {again}
      </PublicPage>
    )
  return (
    <PublicPage title="Turn on two-step sign-in">
      <Text>
        {`This shop asks its staff to sign in with a second factor. ${me.email}, set up an authenticator app or add a passkey; then sign in again with it.`}
      </Text>
      <VStack gap="large">
        <Heading elementType="h2" size="small">
          An authenticator app
        </Heading>
        <TotpSetup onEnabled={() => setDone(true)} />
      </VStack>
      <VStack gap="large">
        <Heading elementType="h2" size="small">
          Or a passkey
        </Heading>
        <AddPasskey
          onAdded={() => {
            setDone(true)
            void refetch()
          }}
        />
      </VStack>
    </PublicPage>
  )
}
