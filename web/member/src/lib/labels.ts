// The words the members' app shows for the API's codes (national code lists, states).
import { ETHNICITY, POLITICAL_STATUS, SEX } from "@shared/codes";

export interface Option {
  value: string;
  text: string;
}

/** GB 3304-91, codes "01".."56" in the standard's order (@shared/codes). */
export const ETHNICITIES: Option[] = Object.entries(ETHNICITY).map(([value, text]) => ({ value, text }));

/** GB/T 4762 short names, as the registration form offers them. */
export const POLITICAL_STATUSES: Option[] = [
  { value: "03", text: "共青团员" },
  { value: "02", text: "中共预备党员" },
  { value: "01", text: "中共党员" },
];

export const INCOME_BANDS: Option[] = [
  { value: "STUDENT", text: "学生" },
  { value: "UNEMPLOYED", text: "无固定收入（待业）" },
  { value: "RELIEF", text: "享受最低生活保障" },
  { value: "FARMER", text: "农民" },
  { value: "BELOW_2000", text: "税后月收入2000元以下" },
  { value: "FROM_2000", text: "税后月收入2000元及以上" },
];

export const IDENTITY_PROOFS: Option[] = [
  { value: "APPLICATION_FORM", text: "入团志愿书" },
  { value: "CARD_2017_2018", text: "2017/2018年团员证注册" },
  { value: "TRANSFER_LETTER", text: "盖章的组织关系介绍信" },
];

export const EDUCATIONS: Option[] = ["初中", "高中", "中专", "大专", "大学本科", "硕士研究生", "博士研究生", "其他"].map(
  (text) => ({ value: text, text }),
);

export const YES_NO: Option[] = [
  { value: "false", text: "否" },
  { value: "true", text: "是" },
];

export const SEXES: Record<string, string> = SEX;

export function ethnicityName(code: string | null | undefined): string {
  if (!code) return "";
  return ETHNICITY[code] ?? code;
}

export function politicalName(code: string | null | undefined): string {
  if (!code) return "";
  return POLITICAL_STATUS[code] ?? code;
}

export function optionText(options: Option[], value: string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "";
  return options.find((option) => option.value === value)?.text ?? value;
}

export const REGISTRATION_STATES: Record<string, string> = {
  QUEUED: "提交中",
  NONE: "未报到",
  PENDING_REVIEW: "待团支部审核",
  RETURNED: "已退回",
  APPROVED: "审核通过",
  WITHDRAWN: "已撤回",
  SUPERSEDED: "已重新提交",
  REFUSED: "未受理",
};

export const MEMBER_STATES: Record<string, string> = {
  NORMAL: "正常",
  VOLUNTARY_PENDING: "自愿退团待审批",
  LAPSED_PENDING: "自行脱团待审批",
  EXPELLED_PENDING: "开除团籍待审批",
  AGED_OUT_PENDING: "满28周岁离团待审批",
};

export const ORDER_STATES: Record<string, string> = { PENDING: "待支付", PAID: "已支付", CLOSED: "已关闭" };

export const TRANSFER_STATES: Record<string, string> = {
  OPEN: "审批中",
  APPEALED: "申诉中",
  RETURNED: "已退回",
  COMPLETED: "已完成",
  WITHDRAWN: "已撤回",
};

export const STEP_OUTCOMES: Record<string, string> = {
  APPROVED: "已同意",
  RETURNED: "已退回",
  ESCALATED: "逾期，上级可代为审批",
  APPEAL_GRANTED: "申诉成立",
  APPEAL_UPHELD: "申诉不成立",
};

export const TRANSFER_CAUSES: Option[] = [
  { value: "EMPLOYMENT", text: "就业" },
  { value: "FURTHER_STUDY", text: "升学" },
  { value: "OTHER", text: "其他" },
];
