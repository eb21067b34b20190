/** Warnings as PyTorch's `UserWarning`s: shown once per message, on any platform. */
const shown = new Set<string>();

/** Prints `UserWarning: message` once per distinct message. */
export function warnOnce(message: string): void {
  if (shown.has(message)) return;
  shown.add(message);
  console.warn(`UserWarning: ${message}`);
}
