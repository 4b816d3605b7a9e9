/** Step timings a test records and prints, so slow steps show up in CI logs. */
export function stepTimer(): {
  timings: Record<string, number>;
  timed: <T>(name: string, step: () => Promise<T>) => Promise<T>;
} {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await step();
    } finally {
      timings[name] = Date.now() - start;
    }
  };
  return { timings, timed };
}
