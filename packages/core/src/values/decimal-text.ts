/**
 * A decimal's text as `String(number)` writes the same value: `-001.2300` -> `-1.23`, `0.00` -> `0`. Source
 * plugins compare it with `String(Number(text))` to hand a decimal over as a number only when the number
 * says exactly what the text says, and as its text otherwise, so no digit is lost.
 */
export function canonicalDecimal(text: string): string {
  let result = text;
  if (result.includes(".")) result = result.replace(/0+$/, "").replace(/\.$/, "");
  result = result.replace(/^(-?)0+(?=\d)/, "$1");
  return result === "-0" ? "0" : result;
}
