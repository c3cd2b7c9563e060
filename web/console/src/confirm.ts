// A yes/no question before a decision; false when the operator cancels.
import { ElMessageBox } from "element-plus";

export async function confirmed(text: string, title: string, yes = "确定"): Promise<boolean> {
  try {
    await ElMessageBox.confirm(text, title, { confirmButtonText: yes, cancelButtonText: "取消" });
    return true;
  } catch {
    return false;
  }
}
