// Phones as the API takes them: mainland mobile numbers, with or without +86.
const MAINLAND = /^(?:\+?86)?1[3-9]\d{9}$/;

export function normalisePhone(input: string): string {
  return input.replace(/[\s-]/g, "");
}

export function looksLikePhone(input: string): boolean {
  return MAINLAND.test(normalisePhone(input));
}
