// A metadata field (public or private): a JSON map of strings, checked by services/kernel/metadata.ts.
import { json } from '@keystone-6/core/fields'
import type { BaseListTypeInfo, FieldTypeFunc } from '@keystone-6/core/types'
import { metadataProblem } from '../services/kernel'

export function metadataField<ListTypeInfo extends BaseListTypeInfo>(
  extra: Record<string, unknown> = {},
): FieldTypeFunc<ListTypeInfo> {
  return json({
    defaultValue: {},
    ...extra,
    hooks: {
      validate: ({ resolvedData, fieldKey, addValidationError }) => {
        const problem = metadataProblem(resolvedData?.[fieldKey])
        if (problem) addValidationError(`${fieldKey} ${problem}`)
      },
    },
  })
}
