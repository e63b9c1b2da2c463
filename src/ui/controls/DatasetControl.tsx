// Dataset: the built-in synthetic set (no download), or a CIFAR-10 subset, served with the page
// or loaded from the person's disk (files or the official .tar.gz, by picker or drop). Dropped
// files are checked on the spot; a wrong file is named and the expected files are listed.
import { useId, useState } from 'react';
import { acceptDataFiles, useDataFiles } from '../../state/data-files';
import { SETTING_LIMITS } from '../../state/settings-schema';
import { useSettings } from '../../state/settings';
import { ControlGroup, NumberField, SelectField } from './fields';

function DataDropZone() {
  const { summary, error, busy } = useDataFiles();
  const [over, setOver] = useState(false);
  const id = useId();
  return (
    <div
      className={`dropzone${over ? ' over' : ''}`} data-testid="data-dropzone"
      onDragOver={(e) => { e.preventDefault(); setOver(true); }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void acceptDataFiles([...e.dataTransfer.files]);
      }}
    >
      <label htmlFor={id}>CIFAR-10 files (.bin files or cifar-10-binary.tar.gz)</label>
      <input id={id} type="file" multiple accept=".bin,.txt,.gz,.tgz,.tar" data-testid="data-files"
        onChange={(e) => { void acceptDataFiles([...(e.target.files ?? [])]); e.target.value = ''; }} />
      <p className="explain">…or drop them here. They stay in this browser; nothing is uploaded.</p>
      {busy && <p role="status">Reading the files…</p>}
      {summary && !error && <p role="status" data-testid="data-summary">Loaded {summary}.</p>}
      {error && <p className="field-error" role="alert" data-testid="data-error">{error}</p>}
    </div>
  );
}

export function DatasetControl() {
  const s = useSettings((st) => st.settings);
  const update = useSettings((st) => st.update);
  return (
    <ControlGroup title="Dataset" testId="control-dataset">
      <SelectField
        label="Images" testId="data" value={s.data}
        options={[{ value: 'synthetic', label: 'Built-in synthetic (no download)' }, { value: 'cifar10', label: 'CIFAR-10 subset' }]}
        explain={s.data === 'synthetic'
          ? '10 classes of generated 32×32 pictures (stripes, blobs, colours): quick, and works offline.'
          : 'Real photos in 10 classes (planes, cars, birds, cats…). Harder, closer to real training.'}
        onChange={(data) => update({ data })}
      />
      {s.data === 'synthetic' && (
        <NumberField
          label="Dataset seed" testId="data-seed" value={s.dataSeed} integer min={SETTING_LIMITS.seed[0]} max={SETTING_LIMITS.seed[1]}
          explain="Another seed draws other pictures of the same ten classes." onChange={(dataSeed) => update({ dataSeed })}
        />
      )}
      {s.data === 'cifar10' && (
        <SelectField
          label="CIFAR-10 source" testId="cifar-source" value={s.cifarSource}
          options={[{ value: 'served', label: 'Served with this page' }, { value: 'files', label: 'Files from my disk' }]}
          explain={s.cifarSource === 'served' ? 'Needs `npm run data:cifar10` on the machine serving the page.' : 'Pick or drop the files below.'}
          onChange={(cifarSource) => update({ cifarSource })}
        />
      )}
      {s.data === 'cifar10' && s.cifarSource === 'files' && <DataDropZone />}
      <NumberField
        label="Training images per class" testId="train-per-class" value={s.trainPerClass} integer
        min={SETTING_LIMITS.trainPerClass[0]} max={SETTING_LIMITS.trainPerClass[1]}
        explain="More images: better accuracy, slower epochs." onChange={(trainPerClass) => update({ trainPerClass })}
      />
      <NumberField
        label="Test images per class" testId="test-per-class" value={s.testPerClass} integer
        min={SETTING_LIMITS.testPerClass[0]} max={SETTING_LIMITS.testPerClass[1]}
        explain="Held-out images the accuracy is measured on." onChange={(testPerClass) => update({ testPerClass })}
      />
    </ControlGroup>
  );
}
