// shop: the shop's public settings a storefront or a public page shows before anyone signs in, in
// Saleor's shape (`shop { name }`). The name is SHOP_NAME (env.ts).
// Access: anyone. Effects: none. Twin: none.
import { g } from '../shared/g'
import { env } from '../../env'

const Shop = g.object<{ name: string }>()({
  name: 'Shop',
  fields: {
    name: g.field({ type: g.nonNull(g.String), description: "The shop's name (SHOP_NAME)." }),
  },
})

export const shop = g.field({
  type: g.nonNull(Shop),
  description: "The shop's public settings.",
  resolve: () => ({ name: env.shopName }),
})
