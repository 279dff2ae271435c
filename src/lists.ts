/**
 * A list a person types into one box ("京都，大阪、奈良"): the separators Chinese and Western keyboards
 * give — ASCII and full-width commas and semicolons, the enumeration comma 、, and spaces. One
 * splitter for the server and both browsers' forms (it imports nothing, so the pages bundle it):
 * `京都，巴黎` once stayed one destination that matched no planner.
 */
export const LIST_SEPARATORS = /[,\uFF0C\u3001;\uFF1B\s\u3000]+/;

/** The items of a typed list, trimmed, empty ones and repeats dropped, in order. */
export function splitList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(LIST_SEPARATORS)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}
