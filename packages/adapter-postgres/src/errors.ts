import { StoreError } from "@inzi/core"
import { Effect, Either } from "effect"
import type { Precompiled } from "./precompiled.js"

/**
 * A typed port error raised from inside a transaction body (plain async code); `run` turns it back into the
 * Effect failure. Anything else thrown is a driver or bug error and becomes a `StoreError`.
 */
export class Fail<E> {
  constructor(readonly error: E) {}
}

interface PgLikeError {
  readonly code?: unknown
  readonly message?: unknown
  readonly constraint?: unknown
}

/** SQLSTATE of a driver error (pg and PGlite both set `code`). */
export const sqlState = (e: unknown): string | undefined => {
  const code = (e as PgLikeError | null)?.code
  return typeof code === "string" ? code : undefined
}

export const constraintOf = (e: unknown): string | undefined => {
  const c = (e as PgLikeError | null)?.constraint
  return typeof c === "string" ? c : undefined
}

/**
 * The message of a driver error, without parameters or row details (a `detail` may hold secrets or personal
 * data, so it is never copied).
 */
export const describe = (operation: string, e: unknown): string => {
  const state = sqlState(e)
  const message = (e as PgLikeError | null)?.message
  const text = typeof message === "string" ? message.split("\n")[0] : "unknown error"
  return `${operation} failed${state !== undefined ? ` (${state})` : ""}: ${text}`
}

/** A thrown `Fail` is its typed error; anything else a `StoreError` naming the operation. */
export const storeFailure = <E>(operation: string, e: unknown): E | StoreError =>
  e instanceof Fail ? (e.error as E) : new StoreError({ message: describe(operation, e) })

/**
 * Runs async store code as an Effect: a `Fail` becomes its typed error, anything else a `StoreError`.
 * No driver error escapes the adapter. Resumes the fiber straight from the promise's callbacks (`Effect.async`),
 * a few µs cheaper per call than `Effect.tryPromise`, which every store read on the API path pays.
 */
export const run = <A, E = never>(
  operation: string,
  body: () => Promise<A>,
): Effect.Effect<A, E | StoreError> =>
  Effect.async<A, E | StoreError>((resume) => {
    const failed = (e: unknown) => resume(Effect.fail(storeFailure<E>(operation, e)))
    let p: Promise<A>
    try {
      p = body()
    } catch (e) {
      failed(e)
      return
    }
    p.then((a) => resume(Effect.succeed(a)), failed)
  })

/**
 * Runs a precompiled statement (precompiled.ts) and maps its rows with `map`, which may throw a `Fail` (its typed
 * error) like `run`'s body; the outcome goes to `done`, called once, from the driver's callback (no promise
 * between Postgres's answer and the caller). This is what a store's fiber-less reads are made of
 * (`readCheckout`, the server's fast path); `runStatement` is the same as an Effect.
 */
export const statementDirect = <Row, Args extends ReadonlyArray<unknown>, A, E = never>(
  operation: string,
  statement: Pick<Precompiled<Row, Args>, "query">,
  args: Args,
  map: (rows: ReadonlyArray<Row>) => A,
  done: (result: Either.Either<A, E | StoreError>) => void,
): void => {
  const answer = (error: Error | null, rows: ReadonlyArray<Row>) => {
    let a: A
    try {
      if (error !== null) throw error
      a = map(rows)
    } catch (e) {
      done(Either.left(storeFailure<E>(operation, e)))
      return
    }
    done(Either.right(a))
  }
  try {
    statement.query(args, answer)
  } catch (e) {
    done(Either.left(storeFailure<E>(operation, e)))
  }
}

/**
 * `statementDirect` as an Effect: the fiber resumes from the driver's callback (an `Either` is an Effect).
 */
export const runStatement = <Row, Args extends ReadonlyArray<unknown>, A, E = never>(
  operation: string,
  statement: Pick<Precompiled<Row, Args>, "query">,
  args: Args,
  map: (rows: ReadonlyArray<Row>) => A,
): Effect.Effect<A, E | StoreError> =>
  Effect.async<A, E | StoreError>((resume) => statementDirect(operation, statement, args, map, resume))
