const texts = new WeakMap<object, string>()

/**
 * `JSON.stringify(value)`, computed once per object: for values that are never changed once made and
 * are serialised more than once (a scenario's tool list in every prompt and record; a conversation's
 * turns for the review thread and then for its record line). Never pass an object that is changed
 * afterwards: its old text would be returned.
 */
export const jsonOnce = (value: object): string => {
  let text = texts.get(value)
  if (text === undefined) {
    text = JSON.stringify(value)
    texts.set(value, text)
  }
  return text
}
