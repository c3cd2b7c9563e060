// The member records' words and small rules on the console (奖惩, 年度团籍注册, 教育评议, 志愿服务):
// the API's codes in Chinese, hours kept in tenths, the 30 % cap on 优秀 as the API counts it.

export const AWARD_KIND: Record<string, string> = { REWARD: "奖励", PUNISHMENT: "处分" };
export const PROPOSAL_STATE: Record<string, string> = { PROPOSED: "待上级认定", CERTIFIED: "已认定", RETURNED: "已退回" };
export const GRADES = ["优秀", "合格", "基本合格", "不合格"] as const;
export type Grade = (typeof GRADES)[number];
export const RESULTS = ["已注册", "暂缓注册", "不予注册"] as const;
export type AnnualResult = (typeof RESULTS)[number];
/** 教育评议: 优秀 at most 30 % of the members evaluated (annual/rules.py EXCELLENT_PERCENT). */
export const EXCELLENT_PERCENT = 30;

/** The most members a branch of `evaluated` may grade 优秀, rounded down as the API does. */
export function excellentCap(evaluated: number): number {
  return Math.floor((evaluated * EXCELLENT_PERCENT) / 100);
}

/** How many of the grades are 优秀. */
export function excellentCount(grades: Record<string, string>): number {
  return Object.values(grades).filter((grade) => grade === "优秀").length;
}

/** Tenths of an hour as people read them: 35 → "3.5 小时". */
export function hours(tenths: number): string {
  return `${(tenths / 10).toFixed(tenths % 10 === 0 ? 0 : 1)} 小时`;
}

/** Hours typed by a person ("3.5", "2") as tenths, or null when it is not a number of hours
 * with at most one decimal (the API refuses a value outside 0.1 to 24 hours beside its field). */
export function tenthsOf(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,2}(\.\d)?$/.test(trimmed)) return null;
  return Math.round(Number(trimmed) * 10);
}

/** A punishment still in force (the API's in_force; a reward has none). */
export function inForce(award: { award_kind: string; in_force?: boolean | null }): boolean {
  return award.award_kind === "PUNISHMENT" && award.in_force === true;
}

/** The year it is in China (UTC+8): annual records are kept for a year that has begun. */
export function chinaYear(date: Date = new Date()): number {
  return new Date(date.getTime() + 8 * 3_600_000).getUTCFullYear();
}

/** The years a cadre may choose, this year first, back to 2000 as the API allows. */
export function recentYears(count = 6, now: Date = new Date()): number[] {
  const year = chinaYear(now);
  return Array.from({ length: Math.min(count, year - 1999) }, (_, index) => year - index);
}

/** "2026-12-05" of a date in China (UTC+8): today, as date inputs start. */
export function chinaDate(date: Date = new Date()): string {
  return new Date(date.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}
