import * as FileSystem from "@effect/platform/FileSystem"
import { Context, Effect, Layer, Ref, Schema } from "effect"

/** A provider and model whose daily quota or credits ran out, and when it may be used again. */
export const Exhaustion = Schema.Struct({
  provider: Schema.String,
  model: Schema.String,
  /** Epoch milliseconds. */
  until: Schema.Number,
  message: Schema.String
})
export interface Exhaustion extends Schema.Schema.Type<typeof Exhaustion> {}

const ExhaustionFile = Schema.parseJson(Schema.Struct({ exhausted: Schema.Array(Exhaustion) }))

/**
 * Where exhausted quotas are remembered, so that a resumed run sends nothing to a provider whose day
 * is spent. The sink writes it into the run directory; tests and library users keep it in memory.
 */
export class QuotaStore extends Context.Tag("agentic-synth/QuotaStore")<QuotaStore, {
  readonly load: Effect.Effect<ReadonlyArray<Exhaustion>>
  readonly save: (entries: ReadonlyArray<Exhaustion>) => Effect.Effect<void>
}>() {
  static readonly layerMemory = (initial: ReadonlyArray<Exhaustion> = []) =>
    Layer.effect(
      QuotaStore,
      Effect.map(Ref.make(initial), (ref) => ({ load: Ref.get(ref), save: (entries) => Ref.set(ref, entries) }))
    )

  /** A JSON file (written by atomic rename); a missing or unreadable file means nothing is exhausted. */
  static readonly layerFile = (path: string) =>
    Layer.effect(
      QuotaStore,
      Effect.map(FileSystem.FileSystem, (fs) => ({
        load: fs.readFileString(path).pipe(
          Effect.flatMap(Schema.decodeUnknown(ExhaustionFile)),
          Effect.map((file) => file.exhausted),
          Effect.orElseSucceed(() => [])
        ),
        save: (entries) =>
          Effect.gen(function*() {
            const text = yield* Schema.encode(ExhaustionFile)({ exhausted: entries })
            yield* fs.writeFileString(`${path}.tmp`, text)
            yield* fs.rename(`${path}.tmp`, path)
          }).pipe(Effect.catchAll((error) => Effect.logWarning(`could not record provider quotas in ${path}: ${error.message}`)))
      }))
    )
}
