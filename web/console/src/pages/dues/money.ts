// Money is kept in fen (分) by the API; people read yuan.
export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return "—";
  return `${(fen / 100).toFixed(2)} 元`;
}

/** "YYYY-MM" of a date in China (UTC+8), the months the API counts in. */
export function chinaMonth(date: Date = new Date()): string {
  const china = new Date(date.getTime() + 8 * 3_600_000);
  return `${china.getUTCFullYear()}-${String(china.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** Links a payment provider's request carries (the cashier page, a QR code's target). */
export function paymentLinks(request: Record<string, unknown>): string[] {
  return Object.values(request).filter((v): v is string => typeof v === "string" && /^https?:\/\//.test(v));
}
