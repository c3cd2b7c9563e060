// Polls a job's progress (tree moves, imports, batches) until it says it is finished; stops
// when the component goes away. A failed read keeps the last progress and shows 重试.
import { getCurrentInstance, onBeforeUnmount, ref, shallowRef, type Ref } from "vue";
import { ApiError, asApiError } from "@shared/api";

export interface Poll<T> {
  value: Ref<T | null>;
  error: Ref<ApiError | null>;
  running: Ref<boolean>;
  start: (first?: T) => void;
  stop: () => void;
}

export function usePoll<T>(read: () => Promise<T>, finished: (value: T) => boolean, everyMs = 1000): Poll<T> {
  const value = shallowRef<T | null>(null) as Ref<T | null>;
  const error = shallowRef<ApiError | null>(null);
  const running = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function tick(): Promise<void> {
    try {
      value.value = await read();
      error.value = null;
    } catch (caught) {
      error.value = asApiError(caught);
      running.value = false;
      return;
    }
    if (finished(value.value)) running.value = false;
    else if (running.value) timer = setTimeout(() => void tick(), everyMs);
  }

  function start(first?: T): void {
    stop();
    if (first !== undefined) value.value = first;
    running.value = true;
    if (first !== undefined && finished(first)) {
      running.value = false;
      return;
    }
    void tick();
  }

  function stop(): void {
    clearTimeout(timer);
    running.value = false;
  }

  if (getCurrentInstance()) onBeforeUnmount(stop);
  return { value, error, running, start, stop };
}
