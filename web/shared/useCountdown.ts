// The "resend in N s" wait after an SMS code is sent (codes: at most one a minute per phone).
import { computed, onBeforeUnmount, ref } from "vue";

export function useCountdown(seconds = 60) {
  const left = ref(0);
  let timer: ReturnType<typeof setInterval> | undefined;
  function start(): void {
    left.value = seconds;
    clearInterval(timer);
    timer = setInterval(() => {
      left.value -= 1;
      if (left.value <= 0) clearInterval(timer);
    }, 1000);
  }
  onBeforeUnmount(() => clearInterval(timer));
  return { left, running: computed(() => left.value > 0), start };
}
