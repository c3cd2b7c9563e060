// The unread count on the 消息 tab (GET /me/messages/unread-count), refreshed on demand.
import { defineStore } from "pinia";
import { ref } from "vue";
import { unwrap } from "@shared/api";
import { api } from "../api";

export const useMessages = defineStore("messages", () => {
  const unread = ref(0);
  async function refreshCount(): Promise<void> {
    try {
      unread.value = (await unwrap(api.GET("/me/messages/unread-count"))).unread;
    } catch {
      // The badge is a hint: a failed count leaves the last one (the page itself shows failures).
    }
  }
  return { unread, refreshCount };
});
