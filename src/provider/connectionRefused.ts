/** The code of a connection refused: no server at that address at all (nothing was sent). */
export const CONNECTION_REFUSED = "connection_refused"

/** Whether a transport failure is a refused connection (fetch wraps the socket's error in `cause`). */
export const connectionRefused = (cause: unknown): boolean => {
  for (let at = cause, depth = 0; at !== undefined && at !== null && depth < 4; depth++) {
    const { code, cause: inner, errors } = at as { code?: unknown; cause?: unknown; errors?: unknown }
    if (code === "ECONNREFUSED") return true
    // Node's happy-eyeballs connect gives an AggregateError of one refusal per address (::1, 127.0.0.1).
    if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => (e as { code?: unknown })?.code === "ECONNREFUSED")) return true
    at = inner
  }
  return false
}
