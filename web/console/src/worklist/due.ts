// How far a task's deadline is, as the work list shows it: working days or hours left, 今日到期
// on its last day, 已逾期 once past; urgent (red) when due within a day.

export interface Due {
  text: string;
  urgent: boolean;
  overdue: boolean;
}

export function describeDue(dueIn: number | null | undefined, unit: "WORKDAYS" | "HOURS" | null | undefined): Due {
  if (dueIn === null || dueIn === undefined || !unit) return { text: "无期限", urgent: false, overdue: false };
  if (dueIn < 0) {
    const late = unit === "HOURS" ? `${-dueIn} 小时` : `${-dueIn} 个工作日`;
    return { text: `已逾期 ${late}`, urgent: true, overdue: true };
  }
  if (unit === "HOURS") return { text: dueIn === 0 ? "不足 1 小时" : `剩 ${dueIn} 小时`, urgent: dueIn <= 24, overdue: false };
  if (dueIn === 0) return { text: "今日到期", urgent: true, overdue: false };
  return { text: `剩 ${dueIn} 个工作日`, urgent: dueIn <= 1, overdue: false };
}
