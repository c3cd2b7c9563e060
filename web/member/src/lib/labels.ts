// The words the members' app shows for the API's codes (national code lists, states).

export interface Option {
  value: string;
  text: string;
}

const ETHNICITY_NAMES =
  "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族".split(
    " ",
  );
/** GB 3304-91, codes "01".."56" in the standard's order. */
export const ETHNICITIES: Option[] = ETHNICITY_NAMES.map((text, index) => ({
  value: String(index + 1).padStart(2, "0"),
  text,
}));

/** GB/T 4762 short names, as the registration form offers them. */
export const POLITICAL_STATUSES: Option[] = [
  { value: "03", text: "共青团员" },
  { value: "02", text: "中共预备党员" },
  { value: "01", text: "中共党员" },
];
const ALL_POLITICAL = [
  "中共党员", "中共预备党员", "共青团员", "民革会员", "民盟盟员", "民建会员", "民进会员",
  "农工党党员", "致公党党员", "九三学社社员", "台盟盟员", "无党派民主人士", "群众",
]; // prettier-ignore

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

export const SEXES: Record<string, string> = { M: "男", F: "女", "1": "男", "2": "女" };

export function ethnicityName(code: string | null | undefined): string {
  if (!code) return "";
  return ETHNICITIES.find((option) => option.value === code)?.text ?? code;
}

export function politicalName(code: string | null | undefined): string {
  if (!code) return "";
  const index = Number(code) - 1;
  return /^\d{2}$/.test(code) && ALL_POLITICAL[index] ? ALL_POLITICAL[index] : code;
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
