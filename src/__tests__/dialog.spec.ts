import { SubmitJobForm } from '../dialog';
import { fromNotebookParameter, IParameter } from '../parameters';
import { IBackendList } from '../tokens';

const BACKENDS: IBackendList = {
  default: 'local',
  backends: [
    { name: 'local', label: 'Local', resources: [] },
    {
      name: 'slurm',
      label: 'SLURM',
      resources: [
        { name: 'cpus', label: 'CPUs', type: 'integer', default: 1 },
        { name: 'memory', label: 'Memory', type: 'string' },
        { name: 'time_limit', label: 'Time limit', type: 'string' },
        {
          name: 'partition',
          label: 'Partition',
          type: 'string',
          choices: ['debug', 'gpu']
        }
      ]
    }
  ]
};

/**
 * Parameters as the server describes `name = default` lines.
 */
function parameters(defaults: { [name: string]: string }): IParameter[] {
  return Object.entries(defaults).map(([name, text]) =>
    fromNotebookParameter({ name, type: null, default: text, help: '' })
  );
}

function input(form: SubmitJobForm, field: string): HTMLInputElement {
  return form.node.querySelector(`[data-field="${field}"]`) as HTMLInputElement;
}

function type(element: HTMLInputElement | HTMLSelectElement, value: string) {
  element.value = value;
  element.dispatchEvent(new Event('input', { bubbles: true }));
  element.dispatchEvent(new Event('change', { bubbles: true }));
}

describe('SubmitJobForm', () => {
  describe('#getValue()', () => {
    it('should send the parameters with their JSON types', () => {
      const form = new SubmitJobForm({
        path: 'a/report.ipynb',
        kind: 'notebook',
        name: 'report',
        parameters: parameters({
          n: '1',
          rate: '0.5',
          label: '"x"',
          flag: 'False'
        }),
        backends: BACKENDS,
        kernels: [{ name: 'python3', displayName: 'Python 3' }]
      });
      type(input(form, 'parameter-n'), '5');
      type(input(form, 'parameter-label'), '42');
      expect(form.isValid).toBe(true);
      expect(form.getValue()).toEqual({
        path: 'a/report.ipynb',
        name: 'report',
        backend: 'local',
        parameters: { n: 5, rate: 0.5, label: '42', flag: false }
      });
      form.dispose();
    });

    it('should refuse invalid values and show why', () => {
      const form = new SubmitJobForm({
        path: 'a.ipynb',
        kind: 'notebook',
        name: 'a',
        parameters: parameters({ n: '1' }),
        backends: BACKENDS,
        kernels: null
      });
      type(input(form, 'parameter-n'), '1.5');
      expect(form.isValid).toBe(false);
      expect(input(form, 'parameter-n').classList).toContain('jp-mod-error');
      expect(form.node.textContent).toContain('Enter a whole number.');
      expect(() => form.getValue()).toThrow();
      type(input(form, 'name'), '');
      type(input(form, 'parameter-n'), '2');
      expect(form.isValid).toBe(false);
      type(input(form, 'name'), 'again');
      expect(form.isValid).toBe(true);
      form.dispose();
    });

    it("should send the backend's resources and the kernel", () => {
      const form = new SubmitJobForm({
        path: 'a.ipynb',
        kind: 'notebook',
        name: 'a',
        parameters: [],
        backends: BACKENDS,
        kernels: [{ name: 'python3', displayName: 'Python 3' }]
      });
      type(input(form, 'backend'), 'slurm');
      type(input(form, 'resource-memory'), '4x');
      expect(form.isValid).toBe(false);
      type(input(form, 'resource-memory'), '4G');
      type(input(form, 'resource-time_limit'), '01:30:00');
      type(input(form, 'resource-partition'), 'gpu');
      type(input(form, 'kernel'), 'python3');
      expect(form.getValue()).toEqual({
        path: 'a.ipynb',
        name: 'a',
        backend: 'slurm',
        kernel_name: 'python3',
        parameters: {},
        resources: {
          cpus: 1,
          memory: '4G',
          time_limit: '01:30:00',
          partition: 'gpu'
        }
      });
      form.dispose();
    });

    it('should take free name/value pairs for a script', () => {
      const form = new SubmitJobForm({
        path: 'run.py',
        kind: 'script',
        name: 'run',
        initialValues: { epochs: 3 },
        backends: null,
        kernels: null
      });
      const names = form.node.querySelectorAll<HTMLInputElement>(
        '.jp-JobsSubmitForm-pairName'
      );
      expect(names.length).toBe(1);
      (
        form.node.querySelector('.jp-JobsSubmitForm-add') as HTMLButtonElement
      ).click();
      const pairs = form.node.querySelectorAll<HTMLInputElement>(
        '.jp-JobsSubmitForm-pair input'
      );
      type(pairs[2], 'not a name');
      type(pairs[3], 'text');
      expect(form.isValid).toBe(false);
      type(pairs[2], 'mode');
      expect(form.getValue()).toEqual({
        path: 'run.py',
        name: 'run',
        parameters: { epochs: 3, mode: 'text' }
      });
      form.dispose();
    });

    it('should leave an expression default to the notebook unless changed', () => {
      const form = new SubmitJobForm({
        path: 'a.ipynb',
        kind: 'notebook',
        name: 'a',
        parameters: parameters({ xs: 'list(range(3))', n: '2' }),
        backends: null,
        kernels: null
      });
      expect(input(form, 'parameter-xs').value).toBe('list(range(3))');
      expect(form.getValue().parameters).toEqual({ n: 2 });
      type(input(form, 'parameter-xs'), '[1, 2]');
      expect(form.getValue().parameters).toEqual({ n: 2, xs: [1, 2] });
      form.dispose();
    });

    it('should send retries and the jobs to wait for', () => {
      const active = {
        id: 'a1b2c3d4e5',
        name: 'prepare',
        status: 'running'
      } as any;
      const form = new SubmitJobForm({
        path: 'a.ipynb',
        kind: 'notebook',
        name: 'a',
        parameters: [],
        backends: null,
        kernels: null,
        activeJobs: [active]
      });
      // Active jobs are offered, none is chosen until the user chooses.
      expect((form.getValue() as any).after).toBeUndefined();
      type(input(form, 'max-retries'), 'two');
      expect(form.isValid).toBe(false);
      type(input(form, 'max-retries'), '2');
      type(input(form, 'retry-delay'), '30');
      const after = form.node.querySelector(
        '[data-field="after"]'
      ) as HTMLSelectElement;
      after.options[0].selected = true;
      type(input(form, 'after-condition'), 'finished');
      expect(form.getValue()).toEqual({
        path: 'a.ipynb',
        name: 'a',
        parameters: {},
        max_retries: 2,
        retry_delay_seconds: 30,
        after: ['a1b2c3d4e5'],
        after_condition: 'finished'
      });
      form.dispose();
    });

    it("should render the backend's resources schema and refuse what it does not take", async () => {
      const schema = {
        type: 'object',
        properties: {
          time_limit: {
            type: 'string',
            title: 'Time limit',
            description: 'HH:MM:SS or minutes',
            pattern: '^\\s*(\\d+:\\d{1,2}:\\d{1,2}|\\d+)\\s*$'
          }
        },
        additionalProperties: false
      };
      const form = new SubmitJobForm({
        path: 'a.ipynb',
        kind: 'notebook',
        name: 'a',
        parameters: [],
        backends: {
          default: 'local',
          backends: [
            {
              name: 'local',
              label: 'Local',
              resources: [],
              resources_schema: schema
            }
          ]
        },
        kernels: null,
        initialResources: { time_limit: '01:00:00', cpus: 4 }
      });
      document.body.appendChild(form.node);
      const field = async () => {
        for (let i = 0; i < 50; i++) {
          const found = form.node.querySelector<HTMLInputElement>(
            'input[id$="_time_limit"]'
          );
          if (found) {
            return found;
          }
          await new Promise(resolve => setTimeout(resolve, 20));
        }
        throw new Error('the resources form did not render');
      };
      const timeLimit = await field();
      expect(timeLimit.value).toBe('01:00:00');
      // What the schema does not know is not prefilled.
      expect(form.getValue()).toMatchObject({
        resources: { time_limit: '01:00:00' }
      });
      const setValue = Object.getOwnPropertyDescriptor(
        HTMLInputElement.prototype,
        'value'
      )!.set!;
      setValue.call(timeLimit, 'soon');
      timeLimit.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise(resolve => setTimeout(resolve, 50));
      expect(form.isValid).toBe(false);
      expect(form.node.textContent).toContain('HH:MM:SS or minutes');
      setValue.call(timeLimit, '90');
      timeLimit.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise(resolve => setTimeout(resolve, 50));
      expect(form.isValid).toBe(true);
      expect(form.getValue()).toMatchObject({
        backend: 'local',
        resources: { time_limit: '90' }
      });
      form.node.remove();
      form.dispose();
    });
  });
});
