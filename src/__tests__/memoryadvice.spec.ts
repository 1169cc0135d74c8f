import {
  formatSlurmMemory,
  killedForMemory,
  memoryAdvice,
  parseSlurmMemory
} from '../memoryadvice';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

describe('memoryadvice', () => {
  describe('#parseSlurmMemory', () => {
    it('should read sizes as sbatch --mem does', () => {
      expect(parseSlurmMemory('4G')).toBe(4 * GIB);
      expect(parseSlurmMemory('500M')).toBe(500 * MIB);
      expect(parseSlurmMemory('2048')).toBe(2048 * MIB);
      expect(parseSlurmMemory(' 512k ')).toBe(512 * 1024);
      expect(parseSlurmMemory(300)).toBe(300 * MIB);
    });

    it('should refuse what is not a size', () => {
      expect(parseSlurmMemory('')).toBeNull();
      expect(parseSlurmMemory('0')).toBeNull();
      expect(parseSlurmMemory('4X')).toBeNull();
      expect(parseSlurmMemory(null)).toBeNull();
      expect(parseSlurmMemory(true)).toBeNull();
    });
  });

  describe('#formatSlurmMemory', () => {
    it('should round up to values people write', () => {
      expect(formatSlurmMemory(300 * MIB)).toBe('512M');
      expect(formatSlurmMemory(700 * MIB)).toBe('768M');
      expect(formatSlurmMemory(1000 * MIB)).toBe('1G');
      expect(formatSlurmMemory(1.2 * GIB)).toBe('1280M');
      expect(formatSlurmMemory(12.1 * GIB)).toBe('13G');
      expect(formatSlurmMemory(1)).toBe('256M');
    });
  });

  describe('#killedForMemory', () => {
    it('should recognize the reasons of the SLURM backend', () => {
      expect(
        killedForMemory(
          'The job used more memory than it asked for and SLURM killed it (FAILED, memory limit exceeded)'
        )
      ).toBe(true);
      expect(killedForMemory('OUT_OF_MEMORY')).toBe(true);
      expect(killedForMemory('Time limit reached')).toBe(false);
      expect(killedForMemory(null)).toBe(false);
    });
  });

  describe('#memoryAdvice', () => {
    it('should say nothing without a memory resource', () => {
      expect(
        memoryAdvice({ resources: {}, usage: { peak_rss_bytes: GIB } })
      ).toBeNull();
    });

    it('should say nothing when the peak stays well below', () => {
      expect(
        memoryAdvice({
          resources: { memory: '1G' },
          usage: { peak_rss_bytes: 500 * MIB }
        })
      ).toBeNull();
    });

    it('should propose more when the peak came close', () => {
      const advice = memoryAdvice({
        resources: { memory: '1G' },
        usage: { peak_rss_bytes: 950 * MIB }
      });
      expect(advice).not.toBeNull();
      expect(advice!.kind).toBe('close');
      expect(advice!.requestedBytes).toBe(GIB);
      expect(advice!.ratio).toBeCloseTo(950 / 1024);
      expect(parseSlurmMemory(advice!.suggested)!).toBeGreaterThanOrEqual(
        950 * MIB * 1.5
      );
      expect(advice!.suggested).toBe('1536M');
    });

    it('should propose at least twice the memory of a job killed for it', () => {
      const advice = memoryAdvice({
        resources: { memory: '300M' },
        status_reason: 'OUT_OF_MEMORY',
        usage: { peak_rss_bytes: null }
      });
      expect(advice!.kind).toBe('killed');
      expect(advice!.peakBytes).toBeNull();
      expect(advice!.suggested).toBe('768M');
    });

    it('should see a kill for memory in the error of a job SLURM ended as FAILED', () => {
      // As the SLURM backend reports it on a cluster without cgroups.
      const advice = memoryAdvice({
        resources: { memory: '400M' },
        status_reason: 'FAILED',
        error: {
          message:
            'The job used more memory than it asked for and SLURM killed it (FAILED, memory limit exceeded)'
        },
        usage: { peak_rss_bytes: null }
      });
      expect(advice!.kind).toBe('killed');
      expect(advice!.suggested).toBe('1G');
      expect(
        memoryAdvice({
          resources: { memory: '400M' },
          status_reason: 'FAILED',
          error: { message: 'ZeroDivisionError: division by zero' },
          usage: { peak_rss_bytes: 100 * MIB }
        })
      ).toBeNull();
    });

    it('should follow the threshold given', () => {
      const facts = {
        resources: { memory: '1G' },
        usage: { peak_rss_bytes: 800 * MIB }
      };
      expect(memoryAdvice(facts)).toBeNull();
      expect(memoryAdvice(facts, 0.75)!.kind).toBe('close');
    });
  });
});
