// The PermissionEnum GraphQL type and a list field holding a set of its values: the contract
// names the enum PermissionEnum, which Keystone's multiselect (it names its own enum) cannot give.
import { g } from '@keystone-6/core'
import { type BaseListTypeInfo, type CommonFieldConfig, type FieldTypeFunc, fieldType } from '@keystone-6/core/types'
import { PERMISSIONS, isPermission } from '../services/identity'

export const PermissionEnum = g.enum({
  name: 'PermissionEnum',
  values: g.enumValues(PERMISSIONS),
})

const PermissionList = g.list(g.nonNull(PermissionEnum))

function label(permission: string): string {
  const words = permission.toLowerCase().split('_').join(' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

// stored as a JSON array of permission codes, shown in the Admin UI as checkboxes.
// WARNING: `any` here stands in for Keystone's internal field-type generics, which a custom
// field cannot name; the values are checked at run time by the validate hook below.
export function permissionList<ListTypeInfo extends BaseListTypeInfo>(
  config: CommonFieldConfig<ListTypeInfo, any> = {},
): FieldTypeFunc<ListTypeInfo> {
  return meta =>
    fieldType({ kind: 'scalar', scalar: 'Json', mode: 'required' })({
      ...config,
      hooks: {
        ...config.hooks,
        validate: async (args: any) => {
          const values = args.operation === 'delete' ? undefined : args.resolvedData?.[meta.fieldKey]
          if (values !== undefined) {
            if (!Array.isArray(values) || !values.every(isPermission)) {
              args.addValidationError(`${meta.fieldKey} must list known permissions`)
            } else if (new Set(values).size !== values.length) {
              args.addValidationError(`${meta.fieldKey} lists a permission twice`)
            }
          }
          await (config.hooks?.validate as any)?.(args)
        },
      },
      input: {
        create: { arg: g.arg({ type: PermissionList }), resolve: (value: string[] | null | undefined) => value ?? [] },
        update: {
          arg: g.arg({ type: PermissionList }),
          resolve: (value: string[] | null | undefined) => (value === null ? [] : value),
        },
      },
      output: g.field({
        type: g.nonNull(PermissionList),
        resolve: ({ value }: { value: unknown }) => (Array.isArray(value) ? value.filter(isPermission) : []),
      }),
      views: '@keystone-6/core/fields/types/multiselect/views',
      getAdminMeta: () => ({
        options: PERMISSIONS.map(value => ({ value, label: label(value) })),
        type: 'enum',
        displayMode: 'checkboxes',
        defaultValue: [],
      }),
    } as any)
}
