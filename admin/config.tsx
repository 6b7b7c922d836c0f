// The Admin UI's own settings, read by Keystone from admin/config.tsx: its header names the shop
// (SHOP_NAME, as the public pages do) where Keystone's default shows its own logo and name.
// WARNING: Keystone spreads this file's exports over those of @keystone-6/auth's generated config
// (.keystone/admin/config.ts), one level deep: `components` replaces theirs whole, so it names
// their Navigation (with its "Sign out" button) again, as auth.ts's identityField makes it.
import type { AdminConfig } from '@keystone-6/core/types'
import makeNavigation from '@keystone-6/auth/components/Navigation'
import { Heading } from '@keystar/ui/typography'
import { useShopName } from './components/PublicPage'

function ShopLogo() {
  const shopName = useShopName()
  return (
    <Heading elementType="div" size="small">
      <a href="/" style={{ color: 'inherit', textDecoration: 'none' }}>
        {shopName ?? ''}
      </a>
    </Heading>
  )
}

export const components: AdminConfig['components'] = {
  Logo: ShopLogo,
  Navigation: makeNavigation({ labelField: 'email' }),
}
