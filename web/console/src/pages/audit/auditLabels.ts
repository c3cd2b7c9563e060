// The trail in Chinese: kinds of subject, families of action, and the actions people meet most.
export const SUBJECT_KINDS: Record<string, string> = {
  MEMBER: "团员",
  ORG: "组织",
  ACCOUNT: "账号",
  REGISTRATION: "报到",
  TRANSFER: "转接",
};

export const ACTION_FAMILIES: Record<string, string> = {
  "org.": "组织调整",
  "member.": "团员信息",
  "registration.": "报到审核",
  "transfer.": "组织关系转接",
  "dues.": "团费",
  "grant.": "职务任免",
  "account.": "账号",
  "import.": "批量导入",
  "award.": "奖惩",
  "evaluation.": "教育评议",
  "annual.": "年度注册",
};

const ACTIONS: Record<string, string> = {
  "org.create": "创建组织",
  "org.move": "调整隶属关系",
  "org.move.finished": "调整隶属关系完成",
  "org.dissolve": "撤销组织",
  "org.merge": "合并团支部",
  "org.graduated": "设置毕业时间",
  "member.create": "新增团员",
  "member.edit": "修改团员信息",
  "member.merge": "合并团员记录",
  "member.reveal_id_number": "查看完整身份证号",
  "member.export": "导出团员名册",
  "registration.submit": "提交报到",
  "registration.approve": "报到审核通过",
  "registration.return": "退回报到",
  "registration.reveal_id_number": "查看完整身份证号",
  "transfer.start": "发起转接",
  "transfer.approve": "转接审批通过",
  "transfer.return": "退回转接",
  "transfer.batch_create": "批量发起转接",
  "grant.create": "任命职务",
  "grant.revoke": "免去职务",
  "dues.remind": "催交团费",
  "account.sign_up": "注册账号",
  "account.password_change": "修改密码",
  "import.fail": "导入失败",
};

/** An action's Chinese name; one not listed shows as recorded. */
export function actionName(action: string): string {
  return ACTIONS[action] ?? action;
}
