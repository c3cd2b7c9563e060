// Transfers in Chinese: states, return grounds, causes, and the clock of the step waiting here.
import type { components, ResponseOf } from "@shared/api";

export type Transfer = ResponseOf<"/orgs/{org_id}/transfer-inbox", "get">["items"][number];
export type ReturnCode = components["schemas"]["ReturnCode"];

export const STATES: Record<string, string> = { OPEN: "审批中", APPEALED: "申诉中", RETURNED: "已退回", COMPLETED: "已完成", WITHDRAWN: "已撤回" };
export const CAUSES: Record<string, string> = { EMPLOYMENT: "就业或工作变动", FURTHER_STUDY: "升学", OTHER: "其他" };
export const RETURN_CODES: Record<ReturnCode, string> = {
  WRONG_TARGET: "转入组织选择有误",
  NOT_OUR_MEMBER: "不是本组织团员",
  INFORMATION_WRONG: "团员信息有误，需先修改",
  NOT_STUDYING_OR_WORKING_HERE: "不在本单位学习或工作",
  DUPLICATE: "重复申请",
  OTHER: "其他",
};

export interface Clock {
  text: string;
  /** late: past the deadline; urgent: due within a day. */
  tone: "late" | "urgent" | "ok";
}

/** The step's deadline as people read it: 剩余 N 小时 / 已逾期 N 小时 (72 hours a step, XFER-2). */
export function clock(dueAt: string | null | undefined, overdue: boolean, now: Date = new Date()): Clock {
  if (!dueAt) return { text: overdue ? "已逾期" : "—", tone: overdue ? "late" : "ok" };
  const hours = Math.floor((new Date(dueAt).getTime() - now.getTime()) / 3_600_000);
  if (overdue || hours < 0) return { text: `已逾期 ${Math.max(1, -hours)} 小时`, tone: "late" };
  return { text: hours < 1 ? "不足1小时" : `剩余 ${hours} 小时`, tone: hours < 24 ? "urgent" : "ok" };
}

/** The transfer's destination: a branch in the province, or an organisation outside it. */
export function destination(t: Transfer): string {
  return t.to_branch_name ?? t.destination_name ?? t.destination ?? "—";
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}
