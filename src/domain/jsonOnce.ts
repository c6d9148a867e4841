const texts = new WeakMap<object, string>()

/**
 * `JSON.stringify(value)`, computed once per object: for long-lived values that are never changed once
 * made and are serialised many times (a scenario's tool list, in every prompt and record). Never pass
 * an object that is changed afterwards (its old text would be returned), nor a short-lived one such as
 * a conversation's turns: V8's young-generation collector keeps a `WeakMap`'s entries alive, so each
 * would be promoted to the old generation (measured: half as much again promoted in the pipeline
 * benchmark). Those are handed along instead (`Reviewed.turnsJson`).
 */
export const jsonOnce = (value: object): string => {
  let text = texts.get(value)
  if (text === undefined) {
    text = JSON.stringify(value)
    texts.set(value, text)
  }
  return text
}
