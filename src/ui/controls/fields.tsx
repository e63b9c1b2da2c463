// Labelled form fields used by every control: each has a visible label (its accessible name), an
// optional one-line explainer tied to it with aria-describedby, and is a native, keyboard-reachable
// element.
import { useId, useState, type ReactNode } from 'react';

interface Common {
  label: string;
  explain?: ReactNode;
  testId?: string;
}

function Explain({ id, children }: { id: string; children?: ReactNode }) {
  return children ? <p className="explain" id={id}>{children}</p> : null;
}

export function SelectField<T extends string | number>({ label, explain, testId, value, options, onChange }: Common & {
  value: T;
  options: readonly { value: T; label: string }[];
  onChange(v: T): void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id} data-testid={testId} value={String(value)} aria-describedby={explain ? `${id}-x` : undefined}
        onChange={(e) => {
          const opt = options.find((o) => String(o.value) === e.target.value);
          if (opt) onChange(opt.value);
        }}
      >
        {options.map((o) => <option key={String(o.value)} value={String(o.value)}>{o.label}</option>)}
      </select>
      <Explain id={`${id}-x`}>{explain}</Explain>
    </div>
  );
}

/**
 * A number input that only commits values in [min, max] (whole numbers when `integer`); while the
 * text is not a valid value it is marked invalid and says why, and the setting keeps its last value.
 */
export function NumberField({ label, explain, testId, value, min, max, step, integer, onChange }: Common & {
  value: number;
  min: number;
  max: number;
  step?: number | 'any';
  integer?: boolean;
  onChange(v: number): void;
}) {
  const id = useId();
  const [text, setText] = useState(String(value));
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    // The setting changed from elsewhere (a preset, a link): show it.
    setShown(value);
    setText(String(value));
  }
  const v = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v));
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id} data-testid={testId} type="number" inputMode="decimal" min={min} max={max} step={step ?? (integer ? 1 : 'any')}
        value={text} aria-invalid={!valid} aria-describedby={`${id}-x ${id}-e`}
        onChange={(e) => {
          setText(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n))) {
            setShown(n);
            onChange(n);
          }
        }}
      />
      {!valid && <p className="field-error" id={`${id}-e`} role="status">Use {integer ? 'a whole number' : 'a number'} from {min} to {max}.</p>}
      <Explain id={`${id}-x`}>{explain}</Explain>
    </div>
  );
}

export function CheckboxField({ label, explain, testId, checked, onChange }: Common & { checked: boolean; onChange(v: boolean): void }) {
  const id = useId();
  return (
    <div className="field field-check">
      <input id={id} data-testid={testId} type="checkbox" checked={checked} aria-describedby={explain ? `${id}-x` : undefined} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
      <Explain id={`${id}-x`}>{explain}</Explain>
    </div>
  );
}

/** A titled group of fields (a fieldset, so screen readers announce the group). */
export function ControlGroup({ title, testId, children }: { title: string; testId?: string; children: ReactNode }) {
  return (
    <fieldset className="control-group" data-testid={testId}>
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}
