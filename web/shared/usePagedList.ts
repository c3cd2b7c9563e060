// A list read page by page with the API's cursors: the first page (reload), then 加载更多
// (loadMore) while the API answers a next_cursor. A failed page keeps what was shown and records
// the error (a Chinese message) for 重试 (retry); the answer of a reload that a newer reload
// replaced is dropped. The one paging helper of both apps.
import { computed, ref, shallowRef, type Ref } from "vue";
import { ApiError, asApiError } from "./api/errors";

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface PagedList<T> {
  items: Ref<T[]>;
  loading: Ref<boolean>;
  error: Ref<ApiError | null>;
  hasMore: Ref<boolean>;
  reload: () => Promise<void>;
  loadMore: () => Promise<void>;
  /** 重试: the page that failed (the first one again when nothing was shown). */
  retry: () => Promise<void>;
}

export function usePagedList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): PagedList<T> {
  const items = shallowRef<T[]>([]) as Ref<T[]>;
  const loading = ref(false);
  const error = shallowRef<ApiError | null>(null);
  const cursor = ref<string | null>(null);
  const started = ref(false);
  let generation = 0;

  async function load(reset: boolean): Promise<void> {
    const mine = reset ? ++generation : generation;
    loading.value = true;
    error.value = null;
    try {
      const page = await fetchPage(reset ? null : cursor.value);
      if (mine !== generation) return; // a newer reload replaced this list
      items.value = reset ? page.items : [...items.value, ...page.items];
      cursor.value = page.next_cursor ?? null;
      started.value = true;
    } catch (caught) {
      if (mine === generation) error.value = asApiError(caught);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  return {
    items,
    loading,
    error,
    hasMore: computed(() => started.value && cursor.value !== null),
    reload: () => load(true),
    loadMore: () => load(false),
    retry: () => load(!started.value),
  };
}
