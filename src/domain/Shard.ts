import { Either, ParseResult, Schema } from "effect"

/** Shard `index` of `count` (1-based): keeps the work items whose position is `index - 1` modulo `count`. */
export interface Shard {
  readonly index: number
  readonly count: number
}

const SHARD = /^\s*(\d+)\s*\/\s*(\d+)\s*$/

/** `"2/4"` ⇄ `{ index: 2, count: 4 }`, refusing `0/3`, `3/2` and anything not `i/n`. */
export const ShardFromString = Schema.transformOrFail(
  Schema.String,
  Schema.Struct({ index: Schema.Int, count: Schema.Int }),
  {
    strict: true,
    decode: (text, _, ast) => {
      const match = SHARD.exec(text)
      if (match === null) {
        return ParseResult.fail(new ParseResult.Type(ast, text, `expected i/n such as 1/4, got "${text}"`))
      }
      const index = Number(match[1])
      const count = Number(match[2])
      if (count < 1 || index < 1 || index > count) {
        return ParseResult.fail(
          new ParseResult.Type(ast, text, `expected i/n with 1 <= i <= n, got "${text}"`)
        )
      }
      return ParseResult.succeed({ index, count })
    },
    encode: (shard) => ParseResult.succeed(`${shard.index}/${shard.count}`)
  }
)

export const parseShard = (text: string): Either.Either<Shard, string> =>
  Schema.decodeUnknownEither(ShardFromString)(text).pipe(
    Either.mapLeft((error) => ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.message ?? String(error))
  )
