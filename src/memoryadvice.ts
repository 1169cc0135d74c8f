/**
 * Advice on the memory a SLURM job asks for (`--mem`), from what it used.
 *
 * Pure functions: the job view shows the advice, the re-run dialog can
 * prefill the `memory` resource with `suggested`.
 */

/**
 * A peak at or above this share of the memory asked for is "close".
 */
export const CLOSE_TO_LIMIT = 0.9;

/**
 * How much room the suggestion leaves above the peak.
 */
export const HEADROOM = 1.5;

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const UNITS: { [unit: string]: number } = {
  K: 1024,
  M: MIB,
  G: GIB,
  T: 1024 * GIB
};

/**
 * The bytes of a SLURM memory size (`4G`, `500M`, `2048`: a bare number is
 * megabytes, as for `sbatch --mem`); `null` when it is not one.
 */
export function parseSlurmMemory(value: unknown): number | null {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value > 0 ? value * MIB : null;
  }
  if (typeof value !== 'string') {
    return null;
  }
  const match = /^([1-9][0-9]*)([KMGT]?)B?$/.exec(value.trim().toUpperCase());
  if (!match) {
    return null;
  }
  return Number(match[1]) * UNITS[match[2] || 'M'];
}

/**
 * A SLURM memory size of at least `bytes`, rounded up to a value people
 * write: 256M steps up to 4G, whole gigabytes above (`768M`, `2G`, `13G`).
 */
export function formatSlurmMemory(bytes: number): string {
  const needed = Math.max(bytes, MIB);
  if (needed <= 4 * GIB) {
    const mib = Math.ceil(needed / (256 * MIB)) * 256;
    return mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
  }
  return `${Math.ceil(needed / GIB)}G`;
}

/**
 * What is known of a job for the advice: its backend resources, why it
 * ended, and its usage summary.
 */
export interface IMemoryFacts {
  /**
   * The backend resources; `memory` is the `--mem` asked for.
   */
  resources?: { [name: string]: any } | null;
  /**
   * Why the job ended as it did, as the backend says.
   */
  status_reason?: string | null;
  /**
   * The job's error: without cgroups SLURM ends such a job as FAILED, and
   * only the error's message says it was its memory.
   */
  error?: { message?: string | null } | null;
  /**
   * The job's usage summary.
   */
  usage?: { peak_rss_bytes?: number | null } | null;
}

/**
 * Advice on a job's memory.
 */
export interface IMemoryAdvice {
  /**
   * `killed`: the backend stopped the job for using more than it asked for;
   * `close`: its peak came to `CLOSE_TO_LIMIT` or more of it.
   */
  kind: 'killed' | 'close';
  /**
   * The memory asked for, in bytes.
   */
  requestedBytes: number;
  /**
   * The peak resident memory of the job's processes, when known.
   */
  peakBytes: number | null;
  /**
   * The peak as a share of what was asked for, when known.
   */
  ratio: number | null;
  /**
   * A fitting value of the `memory` resource (SLURM syntax, e.g. `2G`).
   */
  suggested: string;
}

/**
 * Whether a backend's reason says the job was killed for its memory.
 */
export function killedForMemory(reason: string | null | undefined): boolean {
  if (!reason) {
    return false;
  }
  const text = reason.toLowerCase();
  return (
    text.includes('out_of_memory') ||
    text.includes('out of memory') ||
    text.includes('memory limit') ||
    (text.includes('memory') && text.includes('killed'))
  );
}

/**
 * Advice for a job that asked for memory: `null` unless it was killed for
 * memory or its peak came close to the limit.
 *
 * #### Notes
 * The suggestion leaves `HEADROOM` above the peak; a job killed for memory
 * never got to its real peak, so it is at least twice what it asked for.
 */
export function memoryAdvice(
  facts: IMemoryFacts,
  threshold = CLOSE_TO_LIMIT
): IMemoryAdvice | null {
  const requested = parseSlurmMemory(facts.resources?.memory);
  if (requested === null) {
    return null;
  }
  const peak = facts.usage?.peak_rss_bytes;
  const peakBytes = typeof peak === 'number' && peak > 0 ? peak : null;
  const ratio = peakBytes === null ? null : peakBytes / requested;
  let kind: IMemoryAdvice['kind'];
  let needed: number;
  if (
    killedForMemory(facts.status_reason) ||
    killedForMemory(facts.error?.message)
  ) {
    kind = 'killed';
    needed = Math.max(2 * requested, (peakBytes ?? 0) * HEADROOM);
  } else if (ratio !== null && ratio >= threshold) {
    kind = 'close';
    needed = Math.max(peakBytes! * HEADROOM, requested * 1.25);
  } else {
    return null;
  }
  let suggested = formatSlurmMemory(needed);
  // Rounding never proposes what already failed.
  if ((parseSlurmMemory(suggested) ?? 0) <= requested) {
    suggested = formatSlurmMemory(requested + 256 * MIB);
  }
  return { kind, requestedBytes: requested, peakBytes, ratio, suggested };
}
