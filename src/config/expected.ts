import { type Schema } from "effect"

/** How a value is shown in an error message: short, JSON-like, never a whole document. */
export const showValue = (value: unknown): string => {
  if (value === undefined) return "nothing"
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/**
 * A `message` annotation that reads `expected <what>, got <value>` and replaces the messages of the
 * schema's parts, so a config error says what to write instead.
 */
export const expected = <A>(what: string): Schema.Annotations.Schema<A> => ({
  message: (issue) => ({ message: `expected ${what}, got ${showValue(issue.actual)}`, override: true })
})

/** For containers: used only when the value is not a container at all; faults inside keep their own messages. */
export const expectedShape = <A>(what: string): Schema.Annotations.Schema<A> => ({
  message: (issue) => `expected ${what}, got ${showValue(issue.actual)}`
})
