// The statistics' keys in Chinese (STAT-1), and a chart's data as a sentence for screen readers.
import { ORG_TYPES, SECTORS } from "../../orgLabels";

export const MEMBER_STATES: Record<string, string> = {
  NORMAL: "正常",
  VOLUNTARY_PENDING: "自愿退团待审批",
  LAPSED_PENDING: "自行脱团待审批",
  EXPELLED_PENDING: "开除团籍待审批",
  AGED_OUT_PENDING: "满28周岁离团待审批",
  VOLUNTARY: "自愿退团",
  LAPSED: "自行脱团",
  EXPELLED: "开除团籍",
  AGED_OUT: "满28周岁离团",
  DELETED: "已删除",
};
export const REGISTRATION_STATES: Record<string, string> = {
  PENDING_REVIEW: "待审核",
  RETURNED: "退回",
  APPROVED: "审核通过",
  WITHDRAWN: "本人撤回",
  SUPERSEDED: "已重新提交",
  REFUSED: "重复报到",
};
export const FINDINGS: Record<string, string> = {
  EMPTY_COMMITTEE: "空心团委：下属没有有团员的团支部",
  EMPTY_BRANCH: "空心团支部：没有团员",
  NO_SECRETARY: "无团干团支部：没有团支部书记",
  BRANCH_UNDER_3: "团支部不足3人",
  BRANCH_OVER_30: "团支部超过30人",
  GENERAL_BRANCH_NO_BRANCH: "团总支下没有团支部",
  GENERAL_BRANCH_SIZE: "团总支团员人数不在30至100人之间",
  COMMITTEE_NO_BRANCH: "基层团委下没有团总支或团支部",
  COMMITTEE_UNDER_100: "基层团委团员一般应在100人以上",
  MEMBERS_OFF_BRANCH: "团员挂在团支部以外的组织",
  REVIEWS_OVERDUE: "报到审核超过5个工作日",
  TRANSFERS_OVERDUE: "组织关系转接超过72小时未处理",
  AWARDS_LATE: "奖惩信息录入超过20个工作日",
  UNPAID_6_MONTHS: "团员连续6个月未交纳团费",
  AGE_OUT_NO_POST: "团员年满28周岁且未担任团内职务",
  NO_ORG_LIFE: "团支部上一季度未开展组织生活",
};
export const SWEEP_STATES: Record<string, string> = { SCANNING: "核查中", FINISHING: "汇总中", DONE: "已完成" };

const NAMES: Record<string, string> = { ...ORG_TYPES, ...SECTORS, ...MEMBER_STATES, ...REGISTRATION_STATES, ...FINDINGS };

export function label(key: string): string {
  return NAMES[key] ?? key;
}

export interface Bar {
  name: string;
  value: number;
}

/** A counts object as bars with Chinese names, largest first, zeros left out. */
export function bars(counts: Record<string, unknown> | null | undefined): Bar[] {
  return Object.entries(counts ?? {})
    .filter((entry): entry is [string, number] => typeof entry[1] === "number" && entry[1] > 0)
    .map(([key, value]) => ({ name: label(key), value }))
    .sort((a, b) => b.value - a.value);
}

/** What a chart shows, said in words (the chart's accessible name). */
export function describeBars(title: string, data: Bar[]): string {
  return data.length ? `${title}：${data.map((bar) => `${bar.name} ${bar.value}`).join("，")}` : `${title}：暂无数据`;
}
