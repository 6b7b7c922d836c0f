// A software WebAuthn authenticator for black-box tests: a P-256 key pair made with node:crypto,
// a 'none' attestation for navigator.credentials.create() and signed assertions for
// navigator.credentials.get(), answered in the JSON forms @simplewebauthn/browser produces
// (RegistrationResponseJSON, AuthenticationResponseJSON). Each answer takes knobs that a real
// browser or authenticator would never turn: another origin, another RP id, another challenge, a
// chosen signature counter, no user verification.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { isoCBOR } from '@simplewebauthn/server/helpers'

// authenticator data flags (WebAuthn Level 2, §6.1)
const UP = 0x01
const UV = 0x04
const BE = 0x08
const BS = 0x10
const AT = 0x40

export type Knobs = {
  // the page's origin, as the browser writes it into clientDataJSON (default: the options' RP id over http)
  origin?: string
  // the RP id whose SHA-256 opens the authenticator data (default: the options' RP id)
  rpId?: string
  // the challenge answered (default: the options')
  challenge?: string
  // the signature counter to report (default: one more than the last, or 0 for an authenticator that keeps none)
  counter?: number
  // whether the user was verified (PIN, biometric); default true
  userVerified?: boolean
  // the clientDataJSON type (default webauthn.create / webauthn.get)
  type?: string
}

type CreationOptions = { challenge: string; rp: { id?: string; name: string }; user: { id: string } }
type RequestOptions = { challenge: string; rpId?: string }

export class SoftAuthenticator {
  readonly credentialId: string
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  counter: number
  userHandle: string | undefined
  rpId: string | undefined
  private readonly keepsCounter: boolean

  /** `keepsCounter: false` acts as synced passkeys do: the counter stays 0. */
  constructor({ keepsCounter = true, credentialId }: { keepsCounter?: boolean; credentialId?: string } = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    this.privateKey = privateKey
    this.publicKey = publicKey
    this.credentialId = credentialId ?? randomBytes(32).toString('base64url')
    this.keepsCounter = keepsCounter
    this.counter = 0
  }

  /** Answer creation options (passkeyRegistrationOptions' `options`) with a 'none' attestation. */
  register(options: CreationOptions, knobs: Knobs = {}) {
    const rpId = knobs.rpId ?? options.rp.id ?? 'localhost'
    this.rpId = options.rp.id
    this.userHandle = options.user.id
    const counter = knobs.counter ?? this.counter
    const clientDataJSON = clientData({
      type: knobs.type ?? 'webauthn.create',
      challenge: knobs.challenge ?? options.challenge,
      origin: knobs.origin ?? defaultOrigin(options.rp.id),
    })
    const credentialId = Buffer.from(this.credentialId, 'base64url')
    const idLength = Buffer.alloc(2)
    idLength.writeUInt16BE(credentialId.length)
    const authData = Buffer.concat([
      authenticatorData(rpId, AT | UP | (knobs.userVerified === false ? 0 : UV) | BE | BS, counter),
      Buffer.alloc(16), // the AAGUID: none
      idLength,
      credentialId,
      Buffer.from(this.coseKey()),
    ])
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]) as never,
    )
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
      clientExtensionResults: { credProps: { rk: true } },
      authenticatorAttachment: 'platform',
    }
  }

  /** Answer request options (passkeyAuthenticationOptions' `options`) with a signed assertion. */
  assert(options: RequestOptions, knobs: Knobs = {}) {
    const rpId = knobs.rpId ?? options.rpId ?? this.rpId ?? 'localhost'
    const counter = knobs.counter ?? (this.keepsCounter ? this.counter + 1 : 0)
    if (knobs.counter === undefined) this.counter = counter
    const clientDataJSON = clientData({
      type: knobs.type ?? 'webauthn.get',
      challenge: knobs.challenge ?? options.challenge,
      origin: knobs.origin ?? defaultOrigin(options.rpId ?? this.rpId),
    })
    const authData = authenticatorData(rpId, UP | (knobs.userVerified === false ? 0 : UV) | BE | BS, counter)
    const signed = Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()])
    // ES256: an ASN.1 DER ECDSA signature over SHA-256, node:crypto's default form for EC keys
    const signature = sign('sha256', signed, this.privateKey)
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: this.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    }
  }

  // the credential public key as COSE_Key: EC2, ES256, P-256, x and y
  private coseKey(): Uint8Array {
    const jwk = this.publicKey.export({ format: 'jwk' })
    return isoCBOR.encode(
      new Map<number, unknown>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
      ]) as never,
    )
  }
}

function defaultOrigin(rpId: string | undefined): string {
  return `http://${rpId ?? 'localhost'}`
}

function clientData(data: { type: string; challenge: string; origin: string }): Buffer {
  return Buffer.from(JSON.stringify({ ...data, crossOrigin: false }), 'utf8')
}

function authenticatorData(rpId: string, flags: number, counter: number): Buffer {
  const head = Buffer.alloc(37)
  createHash('sha256').update(rpId).digest().copy(head, 0)
  head.writeUInt8(flags, 32)
  head.writeUInt32BE(counter >>> 0, 33)
  return head
}
