// Money, dates and months as the app shows them (Beijing time, the API's ISO strings).

/** 1234 fen → "12.34 元" */
export function yuan(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")} 元`;
}

const SHANGHAI = "Asia/Shanghai";

/** An ISO instant as "2026年12月5日 14:30" in Beijing time. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  const parts = new Intl.DateTimeFormat("zh-CN", {
    timeZone: SHANGHAI,
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  }).formatToParts(when);
  const part = (type: string) => parts.find((each) => each.type === type)?.value ?? "";
  return `${part("year")}年${part("month")}月${part("day")}日 ${part("hour")}:${part("minute")}`;
}

/** "2026-03" → "2026年3月" */
export function month(value: string | null | undefined): string {
  const match = /^(\d{4})-(\d{2})/.exec(value ?? "");
  return match ? `${match[1]}年${Number(match[2])}月` : (value ?? "");
}

/** A run of months as short text: "2026年1月—2026年6月（6个月）". */
export function monthSpan(months: string[]): string {
  if (months.length === 0) return "无";
  const sorted = [...months].sort();
  const first = month(sorted[0]);
  if (sorted.length === 1) return first;
  return `${first}—${month(sorted[sorted.length - 1])}（${sorted.length}个月）`;
}
