// Chinese labels and small rules of messages and notices (MSG-1, MSG-3) the console shows:
// the kinds of notification and their channels (提醒设置), the attachment limits the API checks
// (shown before an upload is tried), and how a read rate reads.

/** Every kind of notification the API sends (zhtj.messages.rules.Kind), as a cadre reads it. */
export const NOTICE_KINDS: Record<string, string> = {
  REGISTRATION_APPROVED: "本人入团申请通过",
  REGISTRATION_RETURNED: "本人入团申请被退回",
  REGISTRATION_REFUSED: "本人入团申请未能受理",
  EDIT_DECIDED: "本人信息修改申请的处理结果",
  TRANSFER_STEP_WAITING: "有待本组织审批的组织关系转接",
  REVIEW_ESCALATED: "下级超期未审核的入团申请转由本组织审核",
  TRANSFER_DECIDED: "本人组织关系转接的进展",
  CADRE_INVITED: "团干部邀请",
  DUES_REMINDER: "团费催交提醒",
  DEADLINE_NEAR: "事项即将到期",
};

/** The channels that may be turned off for the optional kinds (in-app always goes). */
export const CHANNELS: Record<string, string> = {
  SMS: "短信",
  WECHAT: "微信订阅消息",
};

export const MANDATORY_WHY = "本人入团申请和组织关系转接的审批结果、即将到期的事项必须通知，不能关闭。";

/** The attachment types the API takes (zhtj.notices.rules.ATTACHMENT_TYPES), by extension. */
export const ATTACHMENT_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
};
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
export const MAX_ATTACHMENTS = 10;
export const MAX_CHOSEN_CHILDREN = 50;
export const ATTACHMENT_RULE = `PDF、Word（docx）、Excel（xlsx）、JPG或PNG，每个不超过20MB，最多${MAX_ATTACHMENTS}个`;

/** The content type to upload a file as, or why it cannot be attached (the API's own words). */
export function attachmentCheck(name: string, size: number): { contentType: string } | { refusal: string } {
  const dot = name.lastIndexOf(".");
  const type = dot > 0 ? ATTACHMENT_TYPES[name.slice(dot + 1).toLowerCase()] : undefined;
  if (!type) return { refusal: "附件只能是PDF、Word（docx）、Excel（xlsx）、JPG或PNG文件" };
  if (size > MAX_ATTACHMENT_BYTES) return { refusal: "每个附件不能超过20MB" };
  return { contentType: type };
}

/** A file's size as people read it. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A read rate (0.3333) as a percentage ("33.3%"); "—" without members. */
export function ratePercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "—";
  return `${(rate * 100).toFixed(1).replace(/\.0$/, "")}%`;
}

/** A moment in China time, as the lists show it (2026-12-05 16:20). */
export function chinaTime(iso: string): string {
  const parts = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  }).formatToParts(new Date(iso));
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
}
