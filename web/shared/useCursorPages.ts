// Paging through an API list by its opaque cursors: the current page's items, 上一页 / 下一页
// (the cursors seen are kept, so going back re-reads the page as it is now), loading and the
// last error (a Chinese message; run `reload()` to retry).
import { computed, ref, shallowRef, type Ref } from "vue";
import { ApiError, asApiError } from "./api/errors";

export interface PageOf<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface CursorPages<T> {
  items: Ref<T[]>;
  loading: Ref<boolean>;
  error: Ref<ApiError | null>;
  page: Ref<number>;
  hasNext: Ref<boolean>;
  hasPrevious: Ref<boolean>;
  first: () => Promise<void>;
  next: () => Promise<void>;
  previous: () => Promise<void>;
  reload: () => Promise<void>;
}

export function useCursorPages<T>(load: (cursor: string | null) => Promise<PageOf<T>>): CursorPages<T> {
  const items = shallowRef<T[]>([]) as Ref<T[]>;
  const loading = ref(false);
  const error = ref<ApiError | null>(null) as Ref<ApiError | null>;
  const cursors = ref<(string | null)[]>([null]); // cursors[i]: the cursor of page i
  const page = ref(0);
  const nextCursor = ref<string | null>(null);

  async function show(index: number): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const answer = await load(cursors.value[index] ?? null);
      items.value = answer.items;
      nextCursor.value = answer.next_cursor ?? null;
      page.value = index;
      cursors.value = cursors.value.slice(0, index + 1);
    } catch (caught) {
      error.value = asApiError(caught);
    } finally {
      loading.value = false;
    }
  }

  return {
    items,
    loading,
    error,
    page,
    hasNext: computed(() => nextCursor.value !== null),
    hasPrevious: computed(() => page.value > 0),
    first: () => {
      cursors.value = [null];
      return show(0);
    },
    next: async () => {
      if (nextCursor.value === null) return;
      cursors.value = [...cursors.value.slice(0, page.value + 1), nextCursor.value];
      await show(page.value + 1);
    },
    previous: () => show(Math.max(0, page.value - 1)),
    reload: () => show(page.value),
  };
}
