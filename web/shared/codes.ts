// National code lists the API stores as codes (layers/zhtj/members/codes.py), for display.

// 民族, GB 3304-91.
export const ETHNICITY: Record<string, string> = Object.fromEntries(
  "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
    .split(" ")
    .map((name, index) => [String(index + 1).padStart(2, "0"), name]),
);

// 政治面貌, GB/T 4762 (short names).
export const POLITICAL_STATUS: Record<string, string> = Object.fromEntries(
  "中共党员 中共预备党员 共青团员 民革会员 民盟盟员 民建会员 民进会员 农工党党员 致公党党员 九三学社社员 台盟盟员 无党派民主人士 群众"
    .split(" ")
    .map((name, index) => [String(index + 1).padStart(2, "0"), name]),
);

export const SEX: Record<string, string> = { M: "男", F: "女" };
