/**
 * Kubernetes resource quantities, parsed only as far as Quire needs: to compare a request with
 * its limit before anything reaches a cluster.
 */

const CPU = /^(\d+(?:\.\d+)?)(m?)$/;
const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const MEMORY_FACTORS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** The pattern a CPU quantity must match: whole or decimal cores (`0.5`, `2`) or millicores (`100m`). */
export const CPU_QUANTITY_PATTERN = CPU;
/** The pattern a memory or storage quantity must match: bytes with an optional SI or binary suffix. */
export const MEMORY_QUANTITY_PATTERN = MEMORY;

/** CPU quantity in cores (`"100m"` → 0.1). */
export function parseCpu(quantity: string): number {
  const match = CPU.exec(quantity);
  if (!match) throw new Error(`not a CPU quantity: ${quantity}`);
  const amount = Number(match[1]);
  return match[2] === 'm' ? amount / 1000 : amount;
}

/** Memory or storage quantity in bytes (`"128Mi"` → 134217728). */
export function parseMemory(quantity: string): number {
  const match = MEMORY.exec(quantity);
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  return Number(match[1]) * (MEMORY_FACTORS[match[2] ?? ''] ?? Number.NaN);
}
