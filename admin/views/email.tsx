// An email in the users list: whole, on two lines when the column is narrow (the local part, then
// "@domain"), since Keystone shares a table's width evenly among its columns and would cut it.
// The form is Keystone's own text field.
import type { CellComponent } from '@keystone-6/core/types'
import { Field, controller } from '@keystone-6/core/fields/types/text/views'

export { Field, controller }

export const Cell: CellComponent<typeof controller> = ({ value }) => {
  if (typeof value !== 'string') return null
  const at = value.lastIndexOf('@')
  // a plain element: the table's text slot would truncate a Keystar Text
  return (
    <span
      title={value}
      // a 44 px row holds two 16 px lines once the cell's own padding is given back
      style={{
        display: 'block',
        fontSize: '0.8125rem',
        lineHeight: '16px',
        marginBlock: '-6px',
        overflowWrap: 'anywhere',
        whiteSpace: 'normal',
      }}
    >
      {at > 0 ? (
        <>
          {value.slice(0, at)}
          <wbr />
          {value.slice(at)}
        </>
      ) : (
        value
      )}
    </span>
  )
}
