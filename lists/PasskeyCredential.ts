// The PasskeyCredential list: a user's WebAuthn credentials (API.md §9), registered and checked by
// services/identity/passkeys.ts through @simplewebauthn/server. The public key is no secret, but
// nothing here is in the generated API: users read, rename and delete their passkeys through
// `me { passkeys }`, passkeyRename and passkeyDelete (the GraphQL type `Passkey`).
import { list } from '@keystone-6/core'
import { checkbox, integer, relationship, text, timestamp } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { deny } from '../access/permissions'

export const PasskeyCredential: Lists.PasskeyCredential = list({
  access: { operation: { query: deny, create: deny, update: deny, delete: deny } },
  graphql: { omit: true },
  ui: { hideNavigation: true },
  fields: {
    user: relationship({ ref: 'User' }),
    // the authenticator's credential id, base64url, as the browser sends it back
    credentialId: text({ isIndexed: 'unique', validation: { isRequired: true } }),
    // the COSE public key, base64url
    publicKey: text({ validation: { isRequired: true } }),
    // the signature counter last seen; one that goes backwards is refused
    counter: integer({ defaultValue: 0, validation: { isRequired: true } }),
    // the authenticator's transports (usb, nfc, ble, internal, hybrid), comma-separated
    transports: text(),
    name: text({ validation: { isRequired: true } }),
    backedUp: checkbox(),
    createdAt: timestamp({ defaultValue: { kind: 'now' }, validation: { isRequired: true } }),
    lastUsedAt: timestamp(),
  },
})
