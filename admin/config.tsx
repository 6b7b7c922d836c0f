// The Admin UI's own settings, read by Keystone from admin/config.tsx: its header names the shop
// (SHOP_NAME, as the public pages do) where Keystone's default shows its own logo and name.
import type { AdminConfig } from '@keystone-6/core/types'
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

export const components: AdminConfig['components'] = { Logo: ShopLogo }
