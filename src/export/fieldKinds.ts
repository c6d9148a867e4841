/**
 * The JSON kinds each field path takes across exported lines. A table loader (Hugging Face `datasets`,
 * on Arrow) gives every path one type for the whole file, so a path that is a string in one line and
 * an object or a list in another makes `load_dataset("json", ...)` fail. Nulls do not count (Arrow
 * fills them in), numbers are one kind, and list elements share the path `name[]`.
 */
export type FieldKind = "string" | "number" | "boolean" | "object" | "array"

const BITS: Record<FieldKind, number> = { string: 1, number: 2, boolean: 4, object: 8, array: 16 }
const KINDS = Object.keys(BITS) as ReadonlyArray<FieldKind>

export interface KindConflict {
  readonly path: string
  readonly kinds: ReadonlyArray<FieldKind>
}

export class FieldKinds {
  private readonly seen = new Map<string, number>()

  /** Notes the kinds of every field of one line. */
  add(line: unknown): void {
    this.walk(line, "")
  }

  /** The paths seen with more than one kind, in the order first seen. */
  conflicts(): ReadonlyArray<KindConflict> {
    const out: Array<KindConflict> = []
    for (const [path, bits] of this.seen) {
      if ((bits & (bits - 1)) !== 0) out.push({ path, kinds: KINDS.filter((kind) => (bits & BITS[kind]) !== 0) })
    }
    return out
  }

  private note(path: string, kind: FieldKind) {
    this.seen.set(path, (this.seen.get(path) ?? 0) | BITS[kind])
  }

  private walk(value: unknown, path: string): void {
    if (value === null || value === undefined) return
    if (Array.isArray(value)) {
      this.note(path, "array")
      for (const element of value) this.walk(element, `${path}[]`)
      return
    }
    if (typeof value === "object") {
      this.note(path, "object")
      for (const [key, field] of Object.entries(value)) this.walk(field, path === "" ? key : `${path}.${key}`)
      return
    }
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") this.note(path, typeof value as FieldKind)
  }
}
