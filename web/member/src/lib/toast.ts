// Vant's toasts render as a popup with role="dialog" and no name, which screen readers announce
// as an unnamed dialog (axe: aria-dialog-name). A toast is a status message: extra options
// fall through Toast and Popup onto the popup's element, after its own role, so they win.
import { setToastDefaultOptions, type ToastOptions } from "vant";

export function announceToastsAsStatus(): void {
  const status: Record<string, string> = { role: "status", "aria-live": "polite" };
  setToastDefaultOptions(status as Partial<ToastOptions>);
}
