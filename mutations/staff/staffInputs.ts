// The inputs of staffCreate and staffUpdate: one fields object, each adding only its own field
// (create: where the invite link points; update: groups to leave).
import { g, type Assert, type InputOf, type SameKeys } from '../shared/g'
import type { StaffInput } from '../../services/staff'

const staffFields = {
  email: g.arg({ type: g.String }),
  firstName: g.arg({ type: g.String }),
  lastName: g.arg({ type: g.String }),
  isActive: g.arg({ type: g.Boolean }),
  note: g.arg({ type: g.String }),
  addGroups: g.arg({ type: g.list(g.nonNull(g.ID)) }),
}

export const StaffCreateInput = g.inputObject({
  name: 'StaffCreateInput',
  fields: {
    ...staffFields,
    redirectUrl: g.arg({ type: g.String, description: 'Where the staff invite (set password) link points.' }),
  },
})

export const StaffUpdateInput = g.inputObject({
  name: 'StaffUpdateInput',
  fields: { ...staffFields, removeGroups: g.arg({ type: g.list(g.nonNull(g.ID)) }) },
})

// the service's staff input is what either mutation may carry
type StaffFieldsAgree = Assert<
  SameKeys<InputOf<typeof StaffCreateInput> & InputOf<typeof StaffUpdateInput>, StaffInput>
>
