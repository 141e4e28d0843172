/** The value of cookie `name` in a Cookie header (everything after its first `=`), or null. */
export const cookieValue = (header: string | undefined, name: string): string | null => {
  if (header === undefined) return null
  for (const part of header.split(";")) {
    const eq = part.indexOf("=")
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}
