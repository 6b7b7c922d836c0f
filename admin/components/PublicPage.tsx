// The frame of the Admin UI's public pages (signin, and reset-password and confirm-account, which a
// mailed link opens): the logo, a heading, the page. A link's token is read once from the address
// and removed from it, so it stays out of the history, bookmarks and screenshots.
import { useEffect, useState, type ReactNode } from 'react'
import { Grid, HStack, VStack } from '@keystar/ui/layout'
import { Notice } from '@keystar/ui/notice'
import { Content } from '@keystar/ui/slots'
import { Heading, Text } from '@keystar/ui/typography'
import { Logo } from '@keystone-6/core/admin-ui/components'

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

/** The refusals of a Saleor-style payload, or of the request itself, as sentences for the page. */
export function refusalsOf(
  errors: readonly { field?: string | null; message?: string | null }[] | undefined,
  failed: unknown,
): string[] {
  if (failed) return ['The server could not be reached. Try again in a moment.']
  return (errors ?? []).map(error =>
    // a wrong email and a wrong token read the same (the token's refusal): the link is what failed
    error.field === 'token'
      ? 'This link is no longer valid: it was used already, has expired, or a newer one replaced it. Ask for a new one.'
      : error.message || 'The request was refused.',
  )
}

export function PublicPage(props: { title: string; children: ReactNode }) {
  return (
    <>
      <title>{`Keystone - ${props.title}`}</title>
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
        <HStack paddingY="xlarge">
          <Logo />
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

export const INCOMPLETE_LINK = 'This link is incomplete. Open the whole link from the mail, or ask for a new one.'
