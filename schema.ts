// The data model and the API surface: lists from lists/, custom fields from mutations/.
import { User } from './lists/User'
import { Address } from './lists/Address'
import { CustomerGroup } from './lists/CustomerGroup'
import { PermissionGroup } from './lists/PermissionGroup'
import { Channel } from './lists/Channel'
import { AccountEvent } from './lists/AccountEvent'
import { OutboxMail } from './lists/OutboxMail'
import { OneTimeToken } from './lists/OneTimeToken'
import { AuthSession } from './lists/AuthSession'
import { AuthChallenge } from './lists/AuthChallenge'
import { PasskeyCredential } from './lists/PasskeyCredential'
import { RecoveryCode } from './lists/RecoveryCode'
import { ExternalAccount } from './lists/ExternalAccount'
import { Webhook } from './lists/Webhook'
import { WebhookDelivery } from './lists/WebhookDelivery'

export const lists = {
  User,
  Address,
  CustomerGroup,
  PermissionGroup,
  Channel,
  AccountEvent,
  OutboxMail,
  OneTimeToken,
  AuthSession,
  AuthChallenge,
  RecoveryCode,
  ExternalAccount,
  PasskeyCredential,
  Webhook,
  WebhookDelivery,
}

export { extendGraphqlSchema } from './mutations'
