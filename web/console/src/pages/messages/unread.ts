// The signed-in cadre's unread count (GET /me/messages/unread-count): the header's badge shows
// it; the message list refreshes it when a message is read.
import { defineStore } from "pinia";
import { ref } from "vue";
import { unwrap } from "@shared/api";
import { api } from "../../api";

export const useUnread = defineStore("unread-messages", () => {
  const unread = ref<number | null>(null);
  async function refresh(): Promise<number> {
    unread.value = (await unwrap(api.GET("/me/messages/unread-count"))).unread;
    return unread.value;
  }
  return { unread, refresh };
});
