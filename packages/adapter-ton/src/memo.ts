/**
 * The one place where a TON comment becomes a memo key. Core generates memos in this normal form (short,
 * upper-case, unambiguous characters); payers type them by hand, so surrounding whitespace and case are
 * forgiven. Nothing else is changed: a comment with inner spaces or other characters simply does not match.
 *
 * @example
 * normalizeMemo("  k7p2m9qx\n") // "K7P2M9QX"
 */
export const normalizeMemo = (comment: string): string => comment.trim().toUpperCase()
