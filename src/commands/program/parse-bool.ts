const WORDS: Readonly<Record<string, boolean>> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

/** The one reading of a boolean typed on the command line (flags and App properties); undefined when it is none. */
export function parseBoolean(text: string): boolean | undefined {
  const word = text.toLowerCase();
  return Object.hasOwn(WORDS, word) ? WORDS[word] : undefined;
}
