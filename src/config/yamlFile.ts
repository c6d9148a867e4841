import { Either } from "effect"
import { type Document, isMap, isNode, isPair, isScalar, LineCounter, parseDocument } from "yaml"

/** A parsed YAML file that can still say where each value stood. */
export interface YamlFile {
  readonly file: string
  readonly value: unknown
  readonly document: Document
  readonly lines: LineCounter
}

export interface YamlSyntaxError {
  readonly line: number
  readonly col: number
  readonly message: string
}

/** Parses one YAML document; an error carries its line and column (1-based). */
export const parseYaml = (file: string, text: string): Either.Either<YamlFile, YamlSyntaxError> => {
  const lines = new LineCounter()
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const [first] = document.errors
  if (first !== undefined) {
    const { line, col } = first.linePos?.[0] ?? lines.linePos(first.pos[0])
    // yaml's messages can run over several lines with a source excerpt: keep the sentence.
    const message = first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")
    return Either.left({ line, col, message })
  }
  // Unresolved or runaway aliases only surface when the document is turned into values.
  try {
    return Either.right({ file, value: document.toJS({ maxAliasCount: 100 }), document, lines })
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error)
    return Either.left({ line: 1, col: 1, message })
  }
}

/** The one-line message for a syntax error: where, what, and that the fix is there. */
export const syntaxMessage = (file: string, error: YamlSyntaxError): string =>
  `${file}:${error.line}:${error.col}: invalid YAML: ${error.message}; fix the syntax there`

/** `file:line:col` of the value at `path`, or of the key itself when `key` is true (for unknown keys). */
export const locate = (yaml: YamlFile, path: ReadonlyArray<PropertyKey>, key = false): string => {
  const offset = offsetOf(yaml.document, path, key)
  if (offset === undefined) return yaml.file
  const { line, col } = yaml.lines.linePos(offset)
  return `${yaml.file}:${line}:${col}`
}

const offsetOf = (document: Document, path: ReadonlyArray<PropertyKey>, key: boolean): number | undefined => {
  if (key && path.length > 0) {
    const parent = document.getIn(path.slice(0, -1), true)
    if (isMap(parent)) {
      const last = path[path.length - 1]
      const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === last)
      if (pair !== undefined && isNode(pair.key)) return pair.key.range?.[0]
    }
  }
  const node = document.getIn(path, true)
  return isNode(node) ? node.range?.[0] : undefined
}
