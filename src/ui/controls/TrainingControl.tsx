// Training: model size, epochs, batch size, learning rate, seed and augmentation.
import { SETTING_LIMITS, fallbackWindow } from '../../state/settings-schema';
import { useSettings } from '../../state/settings';
import { validateWindow } from '../../sparsity/schedule';
import { CheckboxField, ControlGroup, NumberField, SelectField } from './fields';

export function TrainingControl() {
  const s = useSettings((st) => st.settings);
  const update = useSettings((st) => st.update);
  const L = SETTING_LIMITS;
  return (
    <ControlGroup title="Training" testId="control-training">
      <SelectField
        label="Model" testId="model" value={s.model}
        options={[{ value: 'tiny', label: 'Tiny (fast)' }, { value: 'reference', label: 'Reference (141k weights)' }]}
        explain="Five 3×3 convolutions and a classifier; tiny has a quarter of the channels."
        onChange={(model) => update({ model })}
      />
      <NumberField
        label="Epochs" testId="epochs" value={s.epochs} integer min={L.epochs[0]} max={L.epochs[1]}
        explain="Passes over the training images."
        onChange={(epochs) => {
          // Keep the window inside the run when the run gets shorter.
          const ok = validateWindow(s.windowStart, s.windowEnd, epochs) === null;
          const [windowStart, windowEnd] = ok ? [s.windowStart, s.windowEnd] : fallbackWindow(epochs);
          update({ epochs, windowStart, windowEnd });
        }}
      />
      <NumberField label="Batch size" testId="batch" value={s.batch} integer min={L.batch[0]} max={L.batch[1]}
        explain="Images per step." onChange={(batch) => update({ batch })} />
      <NumberField label="Learning rate" testId="lr" value={s.lr} min={L.lr[0]} max={L.lr[1]} step="any"
        explain="Step size; too high and the loss explodes." onChange={(lr) => update({ lr })} />
      <NumberField label="Seed" testId="seed" value={s.seed} integer min={L.seed[0]} max={L.seed[1]}
        explain="Same seed, same run: weights, shuffling and augmentation." onChange={(seed) => update({ seed })} />
      <CheckboxField label="Augment (random crop and flip)" testId="augment" checked={s.augment}
        explain="Shows each image slightly shifted or mirrored, which reduces over-fitting." onChange={(augment) => update({ augment })} />
    </ControlGroup>
  );
}
