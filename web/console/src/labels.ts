// Chinese labels of the API's codes the console shows (states, kinds, national code lists).
import { ETHNICITY, POLITICAL_STATUS, SEX } from "@shared/codes";

export { ETHNICITY, POLITICAL_STATUS, SEX };

export const MEMBER_STATE: Record<string, string> = {
  NORMAL: "正常",
  VOLUNTARY_PENDING: "自愿退团待审批",
  LAPSED_PENDING: "自行脱团待审批",
  EXPELLED_PENDING: "开除团籍待审批",
  AGED_OUT_PENDING: "超龄离团待审批",
  VOLUNTARY: "自愿退团",
  LAPSED: "自行脱团",
  EXPELLED: "开除团籍",
  AGED_OUT: "超龄离团",
  DELETED: "已删除",
};

export const REGISTRATION_STATE: Record<string, string> = {
  PENDING_REVIEW: "待审核",
  RETURNED: "已退回",
  APPROVED: "已通过",
  WITHDRAWN: "本人撤回",
  SUPERSEDED: "已重新提交",
  REFUSED: "未受理",
};

export const REAL_NAME_STATE: Record<string, string> = {
  PASSED: "实名核验通过",
  RECHECK_SCHEDULED: "首次核验未通过，等待自动复核",
  FAILED: "两次核验未通过，可线下核验",
  OFFLINE_PASSED: "线下核验通过",
};

export const REQUEST_STATE: Record<string, string> = {
  PENDING: "待审批",
  OPEN: "待审批",
  APPEALED: "申诉待处理",
  REQUESTED: "团支部已申请",
  FORWARDED: "市级团委已上报",
  APPROVED: "已通过",
  RETURNED: "已退回",
};

export const EXIT_KIND: Record<string, string> = {
  VOLUNTARY: "自愿退团",
  LAPSED: "自行脱团",
  EXPELLED: "开除团籍",
  AGED_OUT: "超龄离团",
};

export const FIELD_LABEL: Record<string, string> = {
  name: "姓名",
  id_number: "身份证号",
  join_month: "入团年月",
  development_number: "团员编号",
  political_status: "政治面貌",
  income_band: "收入情况",
  is_cadre: "是否团干部",
  education: "学历",
  occupation: "职业",
  phone: "手机号",
  ethnicity: "民族",
};

export const SECTOR: Record<string, string> = {
  UNIVERSITY: "普通高校",
  VOCATIONAL: "职业院校",
  MIDDLE_SCHOOL: "中学",
  ENTERPRISE: "企业",
  PUBLIC_INSTITUTION: "事业单位",
  GOVERNMENT: "机关",
  COMMUNITY: "城市社区",
  RURAL: "农村",
  OTHER: "其他",
};

/** A code's label, or the code itself when the console has none. */
export function label(table: Record<string, string>, code: string | null | undefined): string {
  if (code === null || code === undefined || code === "") return "—";
  return table[code] ?? code;
}

/** A value of a change (an edit request's before/after) as text. */
export function shown(field: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "是" : "否";
  if (field === "political_status" && typeof value === "string") return label(POLITICAL_STATUS, value);
  if (field === "ethnicity" && typeof value === "string") return label(ETHNICITY, value);
  return typeof value === "object" ? JSON.stringify(value) : String(value as string | number);
}

/** An ISO moment as a China date and time (YYYY-MM-DD HH:mm). */
export function moment(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  }).formatToParts(date);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
}

// What the audit trail's actions mean (the ones a member's history shows; others show as coded).
export const AUDIT_ACTION: Record<string, string> = {
  "member.create": "入库",
  "member.edit": "修改信息",
  "member.edit_request": "申请修改信息",
  "member.edit_review": "审核修改申请",
  "member.account_bound": "绑定账号",
  "member.reveal_id_number": "查看完整身份证号",
  "member.reset_code": "发放密码重置码",
  "member.delete_request": "团支部申请删除",
  "member.delete_forward": "市级团委核定上报删除",
  "member.delete_approve": "团省委批准删除",
  "member.delete_return": "退回删除申请",
  "member.exit_apply": "申请离团",
  "member.exit_approve": "批准离团",
  "member.exit_return": "退回离团申请",
  "member.join_month_request": "申请更正入团年月",
  "member.join_month_apply": "申请更正入团年月（市级团委）",
  "member.join_month_approve": "批准更正入团年月",
  "member.restore": "恢复团籍",
  "member.delayed_graduation": "标记延期毕业",
  "member.export": "导出花名册",
  "registration.submit": "提交报到",
  "registration.approve": "报到审核通过",
  "registration.return": "退回报到",
  "registration.real_name_offline": "线下核验通过",
  "award.declare": "申报奖励",
  "award.approve_declaration": "认定奖励申报",
  "award.return_declaration": "退回奖励申报",
  "award.enter": "登记奖惩",
  "award.release": "解除处分",
  "annual.register": "年度团籍注册",
  "evaluation.propose": "提出教育评议",
  "evaluation.certify": "认定教育评议",
  "evaluation.return": "退回教育评议",
  "volunteer.record": "登记志愿服务时长",
  "transfer.start": "发起转接",
  "transfer.approve_step": "转接审批通过",
  "transfer.return": "退回转接",
  "transfer.complete": "转接完成",
  "dues.member_paid": "交纳团费",
  "dues.offline_record": "登记线下交纳团费",
  "card.issue": "生成团员证",
  "party.propose": "推优入党",
  "party.approve": "同意推优入党",
};
