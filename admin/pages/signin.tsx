// The Admin UI sign-in page: Keystone's own (@keystone-6/auth/pages/SigninPage), except that a
// refusal stays on screen, and two-step sign-in. Keystone's refetches the Admin UI's metadata after
// every attempt, which is refused to anyone signed out and remounts the page with an empty form;
// this one loads the Admin UI afresh only after a success. The refusal reads the same for every
// cause (enumeration). A right password of staff with an authenticator app is answered
// MFA_REQUIRED (auth.ts), with the challenge in an http-only cookie: the page then asks for the
// code (or a recovery code), which adminSignInWithCode checks. "Continue with a passkey" (not
// "Sign in …": the one button named so is the password's) asks the
// server for options (passkeyAuthenticationOptions), the browser's authenticator for an assertion
// (@simplewebauthn/browser's startAuthentication), and adminSignInWithPasskey for the session.
// "Sign in with <provider>" links (links, not buttons: the one button named "Sign in" is the
// password's) lead to each OpenID Connect provider with a staff section (server/externalSignIn.ts),
// whose callback comes back here with `externalError` when it refused, or `step=code` when the
// staff member's authenticator app is still to be asked.
import { useEffect, useState, type FormEvent } from 'react'
import { Button } from '@keystar/ui/button'
import { Divider, VStack } from '@keystar/ui/layout'
import { TextLink } from '@keystar/ui/link'
import { PasswordField } from '@keystar/ui/password-field'
import { TextField } from '@keystar/ui/text-field'
import { Text } from '@keystar/ui/typography'
import { useMutation, gql } from '@keystone-6/core/admin-ui/apollo'
import { GraphQLErrorNotice } from '@keystone-6/core/admin-ui/components'
import { startAuthentication } from '@simplewebauthn/browser'
import { Message, PublicPage } from '../components/PublicPage'

const SIGN_IN = gql`
  mutation KsAuthSignin($identity: String!, $secret: String!) {
    authenticate: authenticateUserWithPassword(email: $identity, password: $secret) {
      __typename
      ... on UserAuthenticationWithPasswordFailure {
        message
      }
    }
  }
`
const WITH_CODE = gql`
  mutation AdminSignInWithCode($code: String!) {
    adminSignInWithCode(code: $code) {
      errors {
        field
        code
        message
      }
    }
  }
`
const PASSKEY_OPTIONS = gql`
  mutation AdminPasskeyOptions {
    passkeyAuthenticationOptions {
      options
      errors {
        code
        message
      }
    }
  }
`
const WITH_PASSKEY = gql`
  mutation AdminSignInWithPasskey($response: JSON!) {
    adminSignInWithPasskey(response: $response) {
      errors {
        field
        code
        message
      }
    }
  }
`

type Refusal = { field?: string | null; code: string; message: string | null }
type Payload<K extends string> = Record<K, { errors?: Refusal[]; options?: unknown } | null>
type Answer = { authenticate: { __typename: string; message?: string } | null }
const SUCCESS = 'UserAuthenticationWithPasswordSuccess'
// the failure auth.ts answers a right password of staff with an authenticator app (ADMIN_MFA_REQUIRED)
const MFA_REQUIRED = 'MFA_REQUIRED'
const PASSKEY_REQUIRED = 'PASSKEY_REQUIRED'

// a full load: the Admin UI's metadata is read again with the new session cookie
const enterAdminUi = () => window.location.assign('/')

// why a provider's sign-in came back here (server/externalSignIn.ts), as the page explains it
const EXTERNAL_REFUSALS: Record<string, string> = {
  EXTERNAL_PROVIDER_UNAVAILABLE: 'The sign-in provider is not reachable right now. Try again in a moment.',
  PROVIDER_REFUSED: 'The sign-in provider did not sign you in.',
  ACCOUNT_NOT_CONFIRMED: 'This account is not confirmed yet.',
  INACTIVE: 'This account is deactivated.',
}
const EXTERNAL_REFUSED =
  'The provider’s sign-in was not accepted: only active staff of the provider’s staff domains sign in here. Start again.'

// the providers the server offers for staff, read once the page is in the browser
function useStaffProviders(): { id: string }[] {
  const [providers, setProviders] = useState<{ id: string }[]>([])
  useEffect(() => {
    fetch('/auth/oidc/providers', { credentials: 'same-origin' })
      .then(response => (response.ok ? response.json() : []))
      .then(list =>
        setProviders(Array.isArray(list) ? list.filter(entry => typeof entry?.id === 'string' && entry.id !== '') : []),
      )
      .catch(() => setProviders([]))
  }, [])
  return providers
}

export default function SigninPage() {
  const [identity, setIdentity] = useState('')
  const [secret, setSecret] = useState('')
  const [code, setCode] = useState('')
  const [step, setStep] = useState<'password' | 'code'>('password')
  const [refused, setRefused] = useState<string | null>(null)
  const [signedIn, setSignedIn] = useState(false)
  const [passkeyBusy, setPasskeyBusy] = useState(false)
  // not cached: nothing reads the answer again
  const [signIn, { error, loading }] = useMutation<Answer>(SIGN_IN, { fetchPolicy: 'no-cache' })
  const [withCode, { loading: checking }] = useMutation<Payload<'adminSignInWithCode'>>(WITH_CODE, {
    fetchPolicy: 'no-cache',
  })
  const [passkeyOptions] = useMutation<Payload<'passkeyAuthenticationOptions'>>(PASSKEY_OPTIONS, {
    fetchPolicy: 'no-cache',
  })
  const [withPasskey] = useMutation<Payload<'adminSignInWithPasskey'>>(WITH_PASSKEY, { fetchPolicy: 'no-cache' })
  const providers = useStaffProviders()

  // back from a provider: its refusal, or the code step of a staff member with an authenticator app
  useEffect(() => {
    const query = new URLSearchParams(window.location.search)
    const externalError = query.get('externalError')
    if (externalError) setRefused(EXTERNAL_REFUSALS[externalError] ?? EXTERNAL_REFUSED)
    if (query.get('step') === 'code') setStep('code')
  }, [])

  function succeed() {
    setSignedIn(true)
    enterAdminUi()
  }

  async function onSubmit(event: FormEvent<HTMLElement>) {
    if (event.target !== event.currentTarget) return
    event.preventDefault()
    setRefused(null)
    const { data } = await signIn({ variables: { identity, secret } }).catch(() => ({ data: undefined }))
    if (data?.authenticate?.__typename === SUCCESS) return succeed()
    setSecret('')
    if (data?.authenticate?.message?.startsWith(MFA_REQUIRED)) {
      setCode('')
      setStep('code')
      return
    }
    // staff whose second factor is a passkey, when the shop requires one (auth.ts ADMIN_PASSKEY_REQUIRED)
    if (data?.authenticate?.message?.startsWith(PASSKEY_REQUIRED))
      return setRefused('This account signs in with its passkey: use "Continue with a passkey".')
    if (data?.authenticate)
      setRefused('Authentication failed. Check the email and password: only active staff may sign in here.')
  }

  async function onCode(event: FormEvent<HTMLElement>) {
    if (event.target !== event.currentTarget) return
    event.preventDefault()
    setRefused(null)
    const answer = await withCode({ variables: { code } }).catch(() => null)
    setCode('')
    const errors: Refusal[] | undefined = answer?.data?.adminSignInWithCode?.errors
    if (errors && errors.length === 0) return succeed()
    if (!errors) return setRefused('The server could not be reached. Try again in a moment.')
    // a challenge that expired, was finished, or died after five wrong codes: start again
    if (errors.some(e => e.code === 'INVALID_MFA_CHALLENGE')) {
      setStep('password')
      return setRefused('This sign-in has expired. Sign in with your password again.')
    }
    if (errors.some(e => e.code === 'INVALID_MFA_CODE'))
      return setRefused('That code is not right, or was used already. Enter the current code from your app.')
    setRefused(errors.map(e => e.message || e.code).join(' '))
  }

  async function onPasskey() {
    setRefused(null)
    setPasskeyBusy(true)
    try {
      const options = await passkeyOptions().catch(() => null)
      const optionsJSON = options?.data?.passkeyAuthenticationOptions?.options
      if (!optionsJSON) return setRefused('The server could not start a passkey sign-in. Try again in a moment.')
      let response: unknown
      try {
        response = await startAuthentication({ optionsJSON: optionsJSON as never })
      } catch {
        return setRefused('No passkey was used. Try again, or sign in with your password.')
      }
      const answer = await withPasskey({ variables: { response } }).catch(() => null)
      const errors: Refusal[] | undefined = answer?.data?.adminSignInWithPasskey?.errors
      if (errors && errors.length === 0) return succeed()
      setRefused('This passkey does not sign in here: only active staff may sign in to the Admin UI.')
    } finally {
      setPasskeyBusy(false)
    }
  }

  if (step === 'code')
    return (
      <PublicPage title="Two-step sign-in">
        {refused && <Message tone="critical">{refused}</Message>}
        <VStack elementType="form" onSubmit={onCode} gap="xxlarge">
          <Text>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</Text>
          <TextField
            autoFocus
            autoComplete="one-time-code"
            id="code"
            isRequired
            label="Code"
            name="code"
            onChange={setCode}
            value={code}
          />
          <Button alignSelf="start" isPending={checking || signedIn} prominence="high" type="submit">
            Verify
          </Button>
        </VStack>
        <Button
          alignSelf="start"
          onPress={() => {
            setRefused(null)
            setStep('password')
          }}
        >
          Start again
        </Button>
      </PublicPage>
    )

  return (
    <PublicPage title="Sign in">
      <GraphQLErrorNotice errors={[error]} />
      {refused && <Message tone="critical">{refused}</Message>}
      <VStack elementType="form" onSubmit={onSubmit} gap="xxlarge">
        <VStack gap="large">
          <TextField
            autoFocus
            autoComplete="username webauthn"
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
      <Divider />
      <Button alignSelf="start" isPending={passkeyBusy} onPress={() => void onPasskey()}>
        Continue with a passkey
      </Button>
      {providers.map(provider => (
        <Text key={provider.id}>
          <TextLink
            href={`/auth/oidc/${encodeURIComponent(provider.id)}/start`}
          >{`Sign in with ${provider.id}`}</TextLink>
        </Text>
      ))}
    </PublicPage>
  )
}
