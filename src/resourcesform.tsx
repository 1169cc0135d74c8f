import { ITranslator } from '@jupyterlab/translation';
import { FormComponent } from '@jupyterlab/ui-components';
import { ReadonlyJSONObject } from '@lumino/coreutils';
import { RJSFSchema, RJSFValidationError, ValidatorType } from '@rjsf/utils';
import * as React from 'react';
import { createRoot, Root } from 'react-dom/client';

/**
 * The class name of a backend's resources form.
 */
export const RESOURCES_FORM_CLASS = 'jp-JobsSubmitForm-resourcesForm';

/**
 * A backend's resources as JupyterLab's `FormComponent` renders their JSON
 * Schema (`resources_schema` of `GET backends`): the values typed, and
 * whether the schema takes them.
 */
export class ResourcesForm {
  /**
   * Render the form for a schema.
   */
  constructor(options: ResourcesForm.IOptions) {
    this._options = options;
    this.node = document.createElement('div');
    this.node.className = RESOURCES_FORM_CLASS;
    this._idPrefix = `jp-JobsResources-${Private.nextId()}`;
    // Only what the schema knows is kept from the values to prefill.
    const known = Object.keys(options.schema.properties ?? {});
    const initial: { [name: string]: any } = {};
    for (const [name, value] of Object.entries(options.initial ?? {})) {
      if (known.indexOf(name) !== -1) {
        initial[name] = value;
      }
    }
    this._data = initial;
    this._root = createRoot(this.node);
    // The validator (ajv) loads with the first form shown, not with the page.
    void import('@rjsf/validator-ajv8').then(({ default: validator }) => {
      this._validator = validator;
      this._errors = this._validate(this._data);
      this._render();
      this._options.onChange();
    });
  }

  /**
   * The node the form renders into.
   */
  readonly node: HTMLElement;

  /**
   * The resources given (empty ones left out).
   */
  get value(): { [name: string]: any } {
    const value: { [name: string]: any } = {};
    for (const [name, item] of Object.entries(this._data)) {
      if (item !== undefined && item !== null && item !== '') {
        value[name] = typeof item === 'string' ? item.trim() : item;
      }
    }
    return value;
  }

  /**
   * Why the schema refuses the values (empty when it takes them).
   */
  get errors(): string[] {
    return this._errors.map(error => error.stack);
  }

  /**
   * Stop rendering.
   */
  dispose(): void {
    this._disposed = true;
    this._root.unmount();
  }

  private _render(): void {
    const { schema, translator } = this._options;
    const validator = this._validator;
    if (!validator || this._disposed) {
      return;
    }
    const properties = schema.properties ?? {};
    this._root.render(
      <Private.Labelled
        node={this.node}
        prefix={this._idPrefix}
        schema={schema}
      >
        <FormComponent
          schema={schema}
          formData={this._data as ReadonlyJSONObject}
          validator={validator as any}
          idPrefix={this._idPrefix}
          liveValidate={true}
          showErrorList={false}
          noHtml5Validate={true}
          transformErrors={errors =>
            Private.readable(errors, properties as { [name: string]: any })
          }
          uiSchema={{ 'ui:submitButtonOptions': { norender: true } }}
          onChange={event => {
            this._data = { ...(event.formData ?? {}) };
            this._errors = this._validate(this._data);
            this._render();
            this._options.onChange();
          }}
          translator={translator}
          compact={true}
        />
      </Private.Labelled>
    );
  }

  private _validate(data: { [name: string]: any }): RJSFValidationError[] {
    const { schema } = this._options;
    if (!this._validator) {
      return [];
    }
    const clean: { [name: string]: any } = {};
    for (const [name, value] of Object.entries(data)) {
      if (value !== undefined && value !== '') {
        clean[name] = value;
      }
    }
    const result = this._validator.validateFormData(clean, schema);
    return Private.readable(
      result.errors,
      (schema.properties ?? {}) as { [name: string]: any }
    );
  }

  private _options: ResourcesForm.IOptions;
  private _idPrefix: string;
  private _root: Root;
  private _data: { [name: string]: any };
  private _errors: RJSFValidationError[] = [];
  private _validator: ValidatorType | null = null;
  private _disposed = false;
}

/**
 * A namespace for `ResourcesForm` statics.
 */
export namespace ResourcesForm {
  /**
   * The options of the form.
   */
  export interface IOptions {
    /**
     * The JSON Schema of the backend's resources.
     */
    schema: RJSFSchema;
    /**
     * Values to prefill.
     */
    initial?: { [name: string]: any };
    /**
     * Called when a value changes.
     */
    onChange: () => void;
    /**
     * The application translator.
     */
    translator?: ITranslator;
  }
}

/**
 * A namespace for private helpers.
 */
namespace Private {
  let id = 0;

  /**
   * A unique number for element ids.
   */
  export function nextId(): number {
    return ++id;
  }

  /**
   * The schema's errors in words: a value that does not match a pattern is
   * explained by the field's description rather than the pattern itself.
   */
  export function readable(
    errors: RJSFValidationError[],
    properties: { [name: string]: any }
  ): RJSFValidationError[] {
    return errors.map(error => {
      const name = (error.property ?? '').replace(/^\./, '');
      const property = properties[name];
      if (error.name === 'pattern' && property) {
        const message = property.description
          ? `${property.title ?? name}: ${property.description}`
          : `${property.title ?? name}: not a valid value`;
        return { ...error, message, stack: message };
      }
      return {
        ...error,
        stack: `${property?.title ?? name}: ${error.message ?? ''}`
      };
    });
  }

  /**
   * Give each input of the form its field's title as its accessible name
   * (JupyterLab's form template shows titles as text, not labels).
   */
  export function Labelled(props: {
    node: HTMLElement;
    prefix: string;
    schema: RJSFSchema;
    children: React.ReactNode;
  }): JSX.Element {
    React.useEffect(() => {
      const properties = (props.schema.properties ?? {}) as {
        [name: string]: any;
      };
      for (const [name, property] of Object.entries(properties)) {
        const input = props.node.querySelector(
          `[id="${props.prefix}_${name}"]`
        );
        if (input && property?.title) {
          input.setAttribute('aria-label', property.title);
        }
      }
    });
    return <>{props.children}</>;
  }
}
