import type { OperatorCredentials } from "../ports/Console.js"

/** Failed logins in a row that lock an account, and for how long. */
export interface LockoutPolicy {
  readonly maxFailures: number
  readonly lockMs: number
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, lockMs: 15 * 60_000 }

/** True while the account is locked: no password is even checked then. */
export const isLockedOut = (c: Pick<OperatorCredentials, "lockedUntil">, now: Date): boolean =>
  c.lockedUntil !== null && c.lockedUntil.getTime() > now.getTime()

/**
 * The lockout state after a login attempt: a success clears it; a failure counts (from zero again once an
 * earlier lock has run out) and the `maxFailures`-th locks the account for `lockMs`.
 */
export const afterLogin = (
  c: Pick<OperatorCredentials, "failedLogins" | "lockedUntil">,
  ok: boolean,
  now: Date,
  policy: LockoutPolicy = DEFAULT_LOCKOUT,
): { readonly failedLogins: number; readonly lockedUntil: Date | null } => {
  if (ok) return { failedLogins: 0, lockedUntil: null }
  const expiredLock = c.lockedUntil !== null && c.lockedUntil.getTime() <= now.getTime()
  const failedLogins = (expiredLock ? 0 : c.failedLogins) + 1
  return {
    failedLogins,
    lockedUntil: failedLogins >= policy.maxFailures ? new Date(now.getTime() + policy.lockMs) : null,
  }
}

/** An account's email as stored and looked up: trimmed, lower-case. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase()

/** Why `email` cannot name an account, or null. */
export const emailProblem = (email: string): string | null =>
  /^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email) ? null : "is not an email address"

/** Why `password` is refused for an account, or null (length only: NIST SP 800-63B). */
export const passwordProblem = (password: string): string | null =>
  password.length < 12
    ? "must be at least 12 characters"
    : password.length > 256
      ? "must be at most 256 characters"
      : null
