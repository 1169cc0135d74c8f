import { JobOutputModel, LogEventApplier } from '../output';
import { ILogEvent } from '../tokens';

let seq = 0;

function output(out: any, extra: Partial<ILogEvent> = {}): ILogEvent {
  return {
    seq: ++seq,
    time: '2026-01-01T00:00:00Z',
    type: 'output',
    output: out,
    ...extra
  };
}

function stream(text: string, name = 'stdout'): ILogEvent {
  return output({ output_type: 'stream', name, text });
}

describe('JobOutputModel', () => {
  describe('#add()', () => {
    it('should keep at most maxLines lines, dropping the oldest', () => {
      const model = new JobOutputModel({ maxLines: 500 });
      const applier = new LogEventApplier(model);
      for (let i = 0; i < 5000; i++) {
        applier.apply([stream(`line ${i}\n`)]);
      }
      const text = model
        .toJSON()
        .map((o: any) => o.text)
        .join('');
      const lines = text.split('\n').filter(Boolean);
      expect(lines.length).toBeLessThanOrEqual(500);
      expect(lines[lines.length - 1]).toBe('line 4999');
      expect(model.dropped).toBeGreaterThan(0);
      model.dispose();
    });
  });
});

describe('LogEventApplier', () => {
  let model: JobOutputModel;
  let applier: LogEventApplier;

  beforeEach(() => {
    model = new JobOutputModel({ maxLines: 1000 });
    applier = new LogEventApplier(model);
  });

  afterEach(() => {
    model.dispose();
  });

  describe('#apply()', () => {
    it('should join consecutive stream outputs of one stream', () => {
      applier.apply([stream('a\n'), stream('b\n'), stream('err\n', 'stderr')]);
      expect(model.toJSON()).toEqual([
        { output_type: 'stream', name: 'stdout', text: 'a\nb\n' },
        { output_type: 'stream', name: 'stderr', text: 'err\n' }
      ]);
    });

    it('should redraw a progress bar in place on carriage returns', () => {
      applier.apply([stream(' 10%|#   |\r')]);
      applier.apply([stream(' 50%|##  |\r')]);
      applier.apply([stream('100%|####|\n')]);
      expect((model.toJSON()[0] as any).text).toBe('100%|####|\n');
    });

    it('should clear the output, at once or on the next output', () => {
      applier.apply([stream('old\n')]);
      applier.apply([
        { seq: ++seq, time: '', type: 'clear_output', wait: true }
      ]);
      expect(model.length).toBe(1);
      applier.apply([stream('new\n')]);
      expect(model.toJSON()).toEqual([
        { output_type: 'stream', name: 'stdout', text: 'new\n' }
      ]);
      applier.apply([{ seq: ++seq, time: '', type: 'clear_output' }]);
      expect(model.length).toBe(0);
    });

    it('should update a display in place', () => {
      applier.apply([
        output(
          {
            output_type: 'display_data',
            data: { 'text/plain': 'first' },
            metadata: {},
            transient: { display_id: 'd1' }
          },
          { display_id: 'd1' }
        ),
        stream('between\n'),
        {
          seq: ++seq,
          time: '',
          type: 'update_display',
          display_id: 'd1',
          output: {
            output_type: 'display_data',
            data: { 'text/plain': 'second' },
            metadata: {}
          }
        }
      ]);
      const outputs = model.toJSON() as any[];
      expect(outputs.length).toBe(2);
      expect(outputs[0].data['text/plain']).toBe('second');
    });

    it('should show the text of a widget, which needs a kernel', () => {
      applier.apply([
        output({
          output_type: 'display_data',
          data: {
            'application/vnd.jupyter.widget-view+json': { model_id: 'm' },
            'text/plain': 'HBox(children=(FloatProgress(value=0.0),))'
          },
          metadata: {}
        })
      ]);
      const outputs = model.toJSON() as any[];
      expect(Object.keys(outputs[0].data)).toEqual(['text/plain']);
    });

    it('should keep errors with their traceback', () => {
      applier.apply([
        output({
          output_type: 'error',
          ename: 'ValueError',
          evalue: 'bad',
          traceback: ['\u001b[31mValueError\u001b[0m: bad']
        })
      ]);
      const outputs = model.toJSON() as any[];
      expect(outputs[0].ename).toBe('ValueError');
      expect(outputs[0].traceback.length).toBe(1);
    });
  });
});
