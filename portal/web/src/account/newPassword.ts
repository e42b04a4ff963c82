/**
 * The new-password rule checked before sending (the API's own: 12 to 256 characters), and the
 * repeat typed the same: field name to a sentence, empty when both hold.
 */
export function newPasswordProblems(next: string, again: string, repeatMessage: string): Record<string, string> {
  if (next.length < 12) {
    return { newPassword: `Use at least 12 characters (${next.length} so far).` };
  }
  return again === next ? {} : { repeatPassword: repeatMessage };
}
