/** Holding an in-process gateway's answers back, to test what a kiosk does while it waits and resends. */

/**
 * The gateway answers calls of `target[method]` only once `open()` is called (the method held at
 * a gate); `calls` counts the copies that arrived meanwhile.
 */
export function answerLate<T extends object, M extends keyof T & string>(target: T, method: M): { open: () => void; readonly calls: number } {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
  const late = { open: () => open(), calls: 0 };
  (target as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    late.calls += 1;
    await gate;
    return original(...args);
  };
  return late;
}
