// The one way every part turns a caught value into log or message text: a thrown Error's message,
// anything else (a rejected string, a number) as itself.
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
