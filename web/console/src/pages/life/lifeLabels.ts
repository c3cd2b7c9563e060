// Chinese names of organisation life's codes (LIFE-1) and recommendation states (PARTY-1), and
// the quarters the statistics count meetings by ("2026Q3" -> "2026年第三季度").
export const MEETING_KINDS: Record<string, string> = {
  BRANCH_ASSEMBLY: "支部大会",
  BRANCH_COMMITTEE: "支部委员会",
  GROUP_MEETING: "团小组会",
  LECTURE: "团课",
};

export const RECOMMENDATION_STATES: Record<string, string> = {
  PROPOSED: "待上级团委审批",
  APPROVED: "上级团委已同意",
  RETURNED: "已退回",
};

const QUARTER_NAMES = ["一", "二", "三", "四"];

/** "2026Q3" -> "2026年第三季度" (anything else as it is). */
export function quarterName(quarter: string): string {
  const match = /^(\d{4})Q([1-4])$/.exec(quarter);
  return match ? `${match[1]}年第${QUARTER_NAMES[Number(match[2]) - 1]}季度` : quarter;
}

/** The quarter a YYYY-MM-DD day falls in: "2026-08-15" -> "2026Q3". */
export function quarterOf(day: string): string {
  const [year, month] = day.split("-").map(Number);
  return `${year}Q${Math.floor(((month ?? 1) - 1) / 3) + 1}`;
}

/** This quarter and the one before it, for a China date YYYY-MM-DD. */
export function lastTwoQuarters(today: string): [string, string] {
  const [year = 2000, month = 1] = today.split("-").map(Number);
  const q = Math.floor((month - 1) / 3) + 1;
  return [`${year}Q${q}`, q === 1 ? `${year - 1}Q4` : `${year}Q${q - 1}`];
}

/** Today in China (YYYY-MM-DD), whatever the browser's zone. */
export function chinaToday(now: Date = new Date()): string {
  return now.toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
}

export interface PhotoCheck {
  name: string;
  type: string;
  size: number;
}

export const MAX_PHOTOS = 9;
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export const PHOTO_TYPES = ["image/jpeg", "image/png"];

/** Why a chosen photo may not be added (JPEG or PNG, at most 5 MB, 9 a meeting), or "". */
export function photoProblem(file: PhotoCheck, already: number): string {
  if (already >= MAX_PHOTOS) return `每次组织生活最多上传${MAX_PHOTOS}张照片`;
  if (!PHOTO_TYPES.includes(file.type)) return `“${file.name}”不是JPEG或PNG格式的照片`;
  if (file.size > MAX_PHOTO_BYTES) return `“${file.name}”超过5MB`;
  return "";
}
