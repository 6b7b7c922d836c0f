// The frame of the Admin UI's public pages (signin, and reset-password and confirm-account, which a
// mailed link opens): the shop's name (SHOP_NAME, read with `shop { name }`), a heading, the page.
// A link's token is read once from the address and removed from it, so it stays out of the
// history, bookmarks and screenshots. A link that is incomplete, used, expired or replaced offers
// to send a new one (RequestNewLink), through requestPasswordReset, the request flow anyone may use.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { Button } from '@keystar/ui/button'
import { Grid, HStack, VStack } from '@keystar/ui/layout'
import { Notice } from '@keystar/ui/notice'
import { Content } from '@keystar/ui/slots'
import { TextField } from '@keystar/ui/text-field'
import { Heading, Text } from '@keystar/ui/typography'
import { useMutation, useQuery, gql } from '@keystone-6/core/admin-ui/apollo'

export type LinkParams = { email: string; token: string }

/** The link's email and token (null until read in the browser; empty strings when missing). */
export function useLinkParams(): LinkParams | null {
  const [params, setParams] = useState<LinkParams | null>(null)
  useEffect(() => {
    const query = new URLSearchParams(window.location.search)
    setParams({ email: query.get('email') ?? '', token: query.get('token') ?? '' })
    window.history.replaceState(null, '', window.location.pathname)
  }, [])
  return params
}

type Refusal = { field?: string | null; message?: string | null }

/** Whether a payload's refusal is the link's own: used, expired, replaced or never issued. */
export function isLinkRefused(errors: readonly Refusal[] | undefined): boolean {
  // a wrong email and a wrong token read the same (the token's refusal): the link is what failed
  return (errors ?? []).some(error => error.field === 'token')
}

/** The refusals of a Saleor-style payload, or of the request itself, as sentences for the page. */
export function refusalsOf(errors: readonly Refusal[] | undefined, failed: unknown): string[] {
  if (failed) return ['The server could not be reached. Try again in a moment.']
  return (errors ?? []).map(error =>
    error.field === 'token' ? LINK_NO_LONGER_VALID : error.message || 'The request was refused.',
  )
}

export const LINK_NO_LONGER_VALID =
  'This link is no longer valid: it was used already, has expired, or a newer one replaced it.'
export const INCOMPLETE_LINK = 'This link is incomplete: it misses part of what the mail sent.'

const SHOP = gql`
  query PublicPageShop {
    shop {
      name
    }
  }
`

/** The shop's name (SHOP_NAME), once the server has answered. */
export function useShopName(): string | undefined {
  const { data } = useQuery<{ shop: { name: string } }>(SHOP)
  return data?.shop.name
}

export function PublicPage(props: { title: string; children: ReactNode }) {
  const shopName = useShopName()
  return (
    <>
      <title>{shopName ? `${shopName} - ${props.title}` : props.title}</title>
      <Grid
        alignItems="center"
        marginX="auto"
        maxWidth="100%"
        minHeight="100vh"
        minWidth={0}
        paddingX="xlarge"
        rows="auto 1fr"
        width="container.xsmall"
      >
        <HStack paddingY="xlarge" minHeight="element.large">
          <Text size="large" weight="semibold" color="neutralEmphasis">
            {shopName ?? ''}
          </Text>
        </HStack>
        <VStack flex gap="xxlarge" paddingY="xlarge">
          <Heading elementType="h1" size="regular">
            {props.title}
          </Heading>
          {props.children}
        </VStack>
      </Grid>
    </>
  )
}

export function Message(props: { tone: 'critical' | 'positive' | 'neutral'; children: ReactNode }) {
  return (
    <Notice tone={props.tone}>
      <Content>
        <Text>{props.children}</Text>
      </Content>
    </Notice>
  )
}

const REQUEST_LINK = gql`
  mutation PublicPageRequestLink($email: String!, $redirectUrl: String!) {
    requestPasswordReset(email: $email, redirectUrl: $redirectUrl) {
      errors {
        field
        code
        message
      }
    }
  }
`

type RequestAnswer = { requestPasswordReset: { errors: (Refusal & { code: string })[] } | null }

/**
 * Ask for a new link by email: a link to choose a password, which also confirms the account
 * (setPassword proves the mailbox). The answer is the same for any email, registered or not, as
 * requestPasswordReset's is; its per-client limit and each address's quiet period apply as they
 * do to a storefront's request.
 */
export function RequestNewLink(props: { purpose: 'confirm' | 'reset' }) {
  const [email, setEmail] = useState('')
  const [sent, setSent] = useState(false)
  const [refusals, setRefusals] = useState<string[]>([])
  const [request, { loading }] = useMutation<RequestAnswer>(REQUEST_LINK, { fetchPolicy: 'no-cache' })

  async function onSubmit(event: FormEvent<HTMLElement>) {
    if (event.target !== event.currentTarget) return
    event.preventDefault()
    setRefusals([])
    // the new link leads back to this server's own page for choosing a password
    const redirectUrl = new URL('/reset-password', window.location.origin).toString()
    const answer = await request({ variables: { email: email.trim(), redirectUrl } }).then(
      ({ data }) => refusalsOf(data?.requestPasswordReset?.errors, !data?.requestPasswordReset),
      failure => refusalsOf(undefined, failure),
    )
    if (answer.length) return setRefusals(answer)
    setSent(true)
  }

  if (sent)
    return (
      <Message tone="positive">
        {`If ${email.trim()} belongs to an account here, a new link is on its way to it. It can take a few minutes; look in the spam folder too. The link in the mail works once.`}
      </Message>
    )
  return (
    <VStack elementType="form" onSubmit={onSubmit} gap="xlarge" aria-label="Ask for a new link">
      <Text>
        {props.purpose === 'confirm'
          ? 'Ask for a new link: enter the email address of your account, and we will mail it a link to choose your password. Choosing it also confirms your account.'
          : 'Ask for a new link: enter the email address of your account, and we will mail it a new link to choose your password.'}
      </Text>
      {refusals.map(refusal => (
        <Message key={refusal} tone="critical">
          {refusal}
        </Message>
      ))}
      <TextField
        id="email"
        isRequired
        label="Email address"
        type="email"
        autoComplete="email"
        onChange={setEmail}
        value={email}
      />
      <Button alignSelf="start" isPending={loading} prominence="high" type="submit">
        Send me a new link
      </Button>
    </VStack>
  )
}
