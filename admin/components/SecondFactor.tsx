// One's own second factors in the Admin UI (API.md §9), for the Security area of one's user page
// (admin/views/security.tsx) and the enrolment page STAFF_MFA_REQUIRED sends staff to
// (admin/pages/second-factor.tsx): set up an authenticator app (the QR code and the key, confirmed
// with a first code, then the recovery codes, shown once), turn it off or make new recovery codes
// (the password and a code), and passkeys: add (@simplewebauthn/browser's startRegistration on the
// options the server made), rename, remove. Every rule is the server's: these call the same
// mutations a storefront calls, and show their refusals as they come. No <form> here: the Security
// area sits inside the user page's own form, and a nested form's submit would reach that one too.
import { useState } from 'react'
import { ActionButton, Button } from '@keystar/ui/button'
import { HStack, VStack } from '@keystar/ui/layout'
import { PasswordField } from '@keystar/ui/password-field'
import { TextField } from '@keystar/ui/text-field'
import { Heading, Text } from '@keystar/ui/typography'
import { gql, useMutation, useQuery } from '@keystone-6/core/admin-ui/apollo'
import { startRegistration } from '@simplewebauthn/browser'
import { Message } from './PublicPage'

type Refusal = { field: string | null; code: string; message: string | null }
type Passkey = { id: string; name: string; createdAt: string; lastUsedAt: string | null }
export type MySecurity = {
  me: {
    id: string
    email: string
    totpEnabled: boolean
    recoveryCodesLeft: number
    passkeys: Passkey[]
  } | null
}

export const MY_SECURITY = gql`
  query MySecurity {
    me {
      id
      email
      totpEnabled
      recoveryCodesLeft
      passkeys {
        id
        name
        createdAt
        lastUsedAt
      }
    }
  }
`

const ERRORS = 'errors { field code message }'
const TOTP_SETUP = gql`
  mutation SecurityTotpSetup($password: String!) {
    accountTotpSetup(password: $password) { secret qrCode ${ERRORS} }
  }
`
const TOTP_CONFIRM = gql`
  mutation SecurityTotpConfirm($code: String!) {
    accountTotpConfirm(code: $code) { recoveryCodes ${ERRORS} }
  }
`
const TOTP_DISABLE = gql`
  mutation SecurityTotpDisable($password: String!, $code: String!) {
    accountTotpDisable(password: $password, code: $code) { ${ERRORS} }
  }
`
const CODES_REGENERATE = gql`
  mutation SecurityRecoveryCodes($password: String!, $code: String!) {
    accountRecoveryCodesRegenerate(password: $password, code: $code) { recoveryCodes ${ERRORS} }
  }
`
const PASSKEY_OPTIONS = gql`
  mutation SecurityPasskeyOptions {
    passkeyRegistrationOptions { options ${ERRORS} }
  }
`
const PASSKEY_REGISTER = gql`
  mutation SecurityPasskeyRegister($response: JSON!, $name: String) {
    passkeyRegister(response: $response, name: $name) { passkey { id } ${ERRORS} }
  }
`
const PASSKEY_RENAME = gql`
  mutation SecurityPasskeyRename($id: ID!, $name: String!) {
    passkeyRename(id: $id, name: $name) { ${ERRORS} }
  }
`
const PASSKEY_DELETE = gql`
  mutation SecurityPasskeyDelete($id: ID!) {
    passkeyDelete(id: $id) { ${ERRORS} }
  }
`

/** A payload's refusals as one sentence, or the request's own failure. */
function refusalOf(payload: { errors?: Refusal[] } | null | undefined, failure?: unknown): string | null {
  if (failure) return `The server could not be reached: ${(failure as Error).message}`
  if (!payload) return 'The request was refused.'
  const errors = payload.errors ?? []
  return errors.length ? errors.map(error => error.message || error.code).join(' ') : null
}

/** Run a mutation and answer its payload's field and the refusal, if any. */
function useSecurityMutation<T = Record<string, unknown>>(document: ReturnType<typeof gql>, field: string) {
  const [mutate, { loading }] = useMutation(document, { fetchPolicy: 'no-cache' })
  async function run(variables: Record<string, unknown>): Promise<{ payload: T | null; refusal: string | null }> {
    try {
      const { data } = await mutate({ variables })
      const payload = ((data as Record<string, unknown> | null | undefined)?.[field] ?? null) as T | null
      return { payload, refusal: refusalOf(payload as { errors?: Refusal[] } | null) }
    } catch (failure) {
      return { payload: null, refusal: refusalOf(null, failure) }
    }
  }
  return [run, loading] as const
}

export function useMySecurity() {
  return useQuery<MySecurity>(MY_SECURITY, { fetchPolicy: 'network-only' })
}

/** The ten recovery codes, shown once. */
function RecoveryCodes(props: { codes: string[]; onDone: () => void }) {
  return (
    <VStack gap="large">
      <Message tone="positive">
        Save these recovery codes somewhere safe (a password manager, or printed). Each one signs you in once if you
        lose your authenticator app. They are shown only now.
      </Message>
      <ul aria-label="Recovery codes" style={{ fontFamily: 'monospace', fontSize: '1rem', columns: 2, margin: 0 }}>
        {props.codes.map(code => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <Button alignSelf="start" prominence="high" onPress={props.onDone}>
        I have saved my recovery codes
      </Button>
    </VStack>
  )
}

/** Set up an authenticator app: the password, then the QR code and a first code, then the recovery codes. */
export function TotpSetup(props: { onEnabled: () => void }) {
  const [password, setPassword] = useState('')
  const [code, setCode] = useState('')
  const [enrolment, setEnrolment] = useState<{ secret: string; qrCode: string } | null>(null)
  const [codes, setCodes] = useState<string[] | null>(null)
  const [refusal, setRefusal] = useState<string | null>(null)
  const [setup, settingUp] = useSecurityMutation<{ secret: string; qrCode: string }>(TOTP_SETUP, 'accountTotpSetup')
  const [confirm, confirming] = useSecurityMutation<{ recoveryCodes: string[] }>(TOTP_CONFIRM, 'accountTotpConfirm')

  async function onSetup() {
    const { payload, refusal } = await setup({ password })
    setPassword('')
    setRefusal(refusal)
    if (!refusal && payload) setEnrolment({ secret: payload.secret, qrCode: payload.qrCode })
  }

  async function onConfirm() {
    const { payload, refusal } = await confirm({ code })
    setCode('')
    setRefusal(refusal)
    if (!refusal && payload) setCodes(payload.recoveryCodes)
  }

  if (codes) return <RecoveryCodes codes={codes} onDone={props.onEnabled} />
  return (
    <VStack gap="large">
      {refusal ? <Message tone="critical">{refusal}</Message> : null}
      {enrolment ? (
        <VStack role="group" gap="large" aria-label="Confirm the authenticator app">
          <Text>Scan this QR code with your authenticator app, or type the key below into it.</Text>
          <img src={enrolment.qrCode} alt="QR code for your authenticator app" width={200} height={200} />
          <Text>
            Key: <code data-testid="totp-secret">{enrolment.secret}</code>
          </Text>
          <TextField
            autoFocus
            id="totp-code"
            label="Code from the app"
            autoComplete="one-time-code"
            inputMode="numeric"
            onChange={setCode}
            value={code}
          />
          <Button alignSelf="start" isPending={confirming} prominence="high" onPress={() => void onConfirm()}>
            Turn on two-step sign-in
          </Button>
        </VStack>
      ) : (
        <VStack role="group" gap="large" aria-label="Set up an authenticator app">
          <PasswordField
            id="totp-password"
            label="Your password"
            autoComplete="current-password"
            onChange={setPassword}
            value={password}
          />
          <Button alignSelf="start" isPending={settingUp} prominence="high" onPress={() => void onSetup()}>
            Set up an authenticator app
          </Button>
        </VStack>
      )}
    </VStack>
  )
}

/** TOTP that is on: turn it off, or make new recovery codes; each takes the password and a code. */
function TotpEnabled(props: { codesLeft: number; onChanged: () => void }) {
  const [action, setAction] = useState<'disable' | 'regenerate' | null>(null)
  const [password, setPassword] = useState('')
  const [code, setCode] = useState('')
  const [refusal, setRefusal] = useState<string | null>(null)
  const [codes, setCodes] = useState<string[] | null>(null)
  const [disable, disabling] = useSecurityMutation(TOTP_DISABLE, 'accountTotpDisable')
  const [regenerate, regenerating] = useSecurityMutation<{ recoveryCodes: string[] }>(
    CODES_REGENERATE,
    'accountRecoveryCodesRegenerate',
  )

  async function onSubmit() {
    const run = action === 'disable' ? disable : regenerate
    const { payload, refusal } = await run({ password, code })
    setPassword('')
    setCode('')
    setRefusal(refusal)
    if (refusal) return
    setAction(null)
    if (action === 'regenerate' && payload) setCodes((payload as { recoveryCodes: string[] }).recoveryCodes)
    else props.onChanged()
  }

  if (codes)
    return (
      <RecoveryCodes
        codes={codes}
        onDone={() => {
          setCodes(null)
          props.onChanged()
        }}
      />
    )
  return (
    <VStack gap="large">
      <Text>{`Authenticator app: on. Recovery codes left: ${props.codesLeft}.`}</Text>
      {refusal ? <Message tone="critical">{refusal}</Message> : null}
      {action ? (
        <VStack
          role="group"
          gap="large"
          aria-label={action === 'disable' ? 'Turn off two-step sign-in' : 'New recovery codes'}
        >
          <PasswordField
            id="totp-manage-password"
            label="Your password"
            autoComplete="current-password"
            onChange={setPassword}
            value={password}
          />
          <TextField
            id="totp-manage-code"
            label="Code from the app, or a recovery code"
            autoComplete="one-time-code"
            onChange={setCode}
            value={code}
          />
          <HStack gap="regular">
            <Button isPending={disabling || regenerating} prominence="high" onPress={() => void onSubmit()}>
              {action === 'disable' ? 'Turn off two-step sign-in' : 'Make new recovery codes'}
            </Button>
            <Button onPress={() => setAction(null)}>Cancel</Button>
          </HStack>
        </VStack>
      ) : (
        <HStack gap="regular" wrap="wrap">
          <ActionButton onPress={() => setAction('regenerate')}>New recovery codes</ActionButton>
          <ActionButton onPress={() => setAction('disable')}>Turn off the authenticator app</ActionButton>
        </HStack>
      )}
    </VStack>
  )
}

/** Add a passkey: the server's options, the browser's authenticator, the server's check. */
export function AddPasskey(props: { onAdded: () => void }) {
  const [name, setName] = useState('')
  const [refusal, setRefusal] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [options] = useSecurityMutation<{ options: unknown }>(PASSKEY_OPTIONS, 'passkeyRegistrationOptions')
  const [register] = useSecurityMutation(PASSKEY_REGISTER, 'passkeyRegister')

  async function onAdd() {
    setBusy(true)
    setRefusal(null)
    try {
      const made = await options({})
      if (made.refusal || !made.payload) return setRefusal(made.refusal)
      let response: unknown
      try {
        response = await startRegistration({ optionsJSON: made.payload.options as never })
      } catch (error) {
        return setRefusal(`The browser made no passkey: ${(error as Error).message}`)
      }
      const registered = await register({ response, name: name.trim() || null })
      if (registered.refusal) return setRefusal(registered.refusal)
      setName('')
      props.onAdded()
    } finally {
      setBusy(false)
    }
  }

  return (
    <VStack role="group" gap="large" aria-label="Add a passkey">
      {refusal ? <Message tone="critical">{refusal}</Message> : null}
      <TextField
        id="passkey-name"
        label="Name of the new passkey (optional)"
        description="Which device or key it is, for example “Work laptop”"
        onChange={setName}
        value={name}
      />
      <Button alignSelf="start" isPending={busy} prominence="high" onPress={() => void onAdd()}>
        Add a passkey
      </Button>
    </VStack>
  )
}

function PasskeyRow(props: { passkey: Passkey; onChanged: () => void }) {
  const [renaming, setRenaming] = useState(false)
  const [name, setName] = useState(props.passkey.name)
  const [refusal, setRefusal] = useState<string | null>(null)
  const [rename] = useSecurityMutation(PASSKEY_RENAME, 'passkeyRename')
  const [remove] = useSecurityMutation(PASSKEY_DELETE, 'passkeyDelete')
  const when = (value: string | null) => (value ? new Date(value).toLocaleString() : 'never')

  async function onRename() {
    const { refusal } = await rename({ id: props.passkey.id, name })
    setRefusal(refusal)
    if (refusal) return
    setRenaming(false)
    props.onChanged()
  }

  async function onRemove() {
    if (!window.confirm(`Remove the passkey “${props.passkey.name}”? It will no longer sign you in.`)) return
    const { refusal } = await remove({ id: props.passkey.id })
    setRefusal(refusal)
    if (!refusal) props.onChanged()
  }

  return (
    <li aria-label={`Passkey ${props.passkey.name}`}>
      <VStack gap="regular" paddingY="regular">
        {refusal ? <Message tone="critical">{refusal}</Message> : null}
        {renaming ? (
          <HStack role="group" aria-label="Rename the passkey" gap="regular" alignItems="end">
            <TextField autoFocus label="New name" onChange={setName} value={name} />
            <Button prominence="high" onPress={() => void onRename()}>
              Save
            </Button>
            <Button onPress={() => setRenaming(false)}>Cancel</Button>
          </HStack>
        ) : (
          <HStack gap="regular" alignItems="center" wrap="wrap">
            <Text weight="semibold">{props.passkey.name}</Text>
            <Text size="small" color="neutralSecondary">
              {`added ${when(props.passkey.createdAt)}, last used ${when(props.passkey.lastUsedAt)}`}
            </Text>
            <ActionButton aria-label={`Rename ${props.passkey.name}`} onPress={() => setRenaming(true)}>
              Rename
            </ActionButton>
            <ActionButton aria-label={`Remove ${props.passkey.name}`} onPress={() => void onRemove()}>
              Remove
            </ActionButton>
          </HStack>
        )}
      </VStack>
    </li>
  )
}

/** One's own second factors: the authenticator app and the passkeys. */
export function MySecondFactors(props: { me: NonNullable<MySecurity['me']>; onChanged: () => void }) {
  const { me, onChanged } = props
  return (
    <VStack gap="xlarge">
      <VStack gap="large">
        <Heading elementType="h3" size="small">
          Authenticator app
        </Heading>
        {me.totpEnabled ? (
          <TotpEnabled codesLeft={me.recoveryCodesLeft} onChanged={onChanged} />
        ) : (
          <TotpSetup onEnabled={onChanged} />
        )}
      </VStack>
      <VStack gap="large">
        <Heading elementType="h3" size="small">
          Passkeys
        </Heading>
        {me.passkeys.length ? (
          <ul aria-label="Passkeys" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {me.passkeys.map(passkey => (
              <PasskeyRow key={passkey.id} passkey={passkey} onChanged={onChanged} />
            ))}
          </ul>
        ) : (
          <Text>No passkeys yet.</Text>
        )}
        <AddPasskey onAdded={onChanged} />
      </VStack>
    </VStack>
  )
}
