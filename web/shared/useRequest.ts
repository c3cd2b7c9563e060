// One request's state for a page: loading, the last error (an ApiError with a Chinese message
// and maybe a field), and run() that clears the error, awaits, and records any failure.
import { ref, type Ref } from "vue";
import { ApiError, asApiError } from "./api/errors";

export interface Request<A extends unknown[], T> {
  loading: Ref<boolean>;
  error: Ref<ApiError | null>;
  run: (...args: A) => Promise<T | undefined>;
}

export function useRequest<A extends unknown[], T>(action: (...args: A) => Promise<T>): Request<A, T> {
  const loading = ref(false);
  const error = ref<ApiError | null>(null) as Ref<ApiError | null>;
  async function run(...args: A): Promise<T | undefined> {
    loading.value = true;
    error.value = null;
    try {
      return await action(...args);
    } catch (caught) {
      error.value = asApiError(caught);
      return undefined;
    } finally {
      loading.value = false;
    }
  }
  return { loading, error, run };
}
