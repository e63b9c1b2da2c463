// The model as data: a declarative layer list (DESIGN.md "Models"), parameter names and shapes.
// Imports nothing: the engine (src/nn, src/train) builds from it and the float64 oracle
// (src/reference/model.ts) runs it.
/** Convs are k×k, stride 1, padding (k−1)/2, no bias; `nm` marks layers N:M sparsity applies to. */
export type LayerSpec =
  | { kind: 'conv'; name: string; out: number; k: number; nm: boolean }
  | { kind: 'bn'; name: string }
  | { kind: 'relu' }
  | { kind: 'maxpool2' }
  | { kind: 'gap' }
  | { kind: 'linear'; name: string; out: number };

/** Parameters and BN running statistics, keyed as the traces' param_order (e.g. `conv1.weight`, `bn1.running_var`). */
export type Params = Record<string, Float64Array>;

export function modelSpec(name: 'tiny' | 'reference'): LayerSpec[] {
  const widths = name === 'tiny' ? [16, 16, 32, 32, 64] : [32, 32, 64, 64, 128];
  const block = (i: number): LayerSpec[] => [
    { kind: 'conv', name: `conv${i}`, out: widths[i - 1], k: 3, nm: i > 1 },
    { kind: 'bn', name: `bn${i}` },
    { kind: 'relu' },
  ];
  return [
    ...block(1), ...block(2), { kind: 'maxpool2' },
    ...block(3), ...block(4), { kind: 'maxpool2' },
    ...block(5), { kind: 'gap' },
    { kind: 'linear', name: 'fc', out: 10 },
  ];
}

/** Shapes of every parameter in param_order: conv OHWI [out,k,k,in], BN vectors [C], fc [out,in] and [out]. */
export function paramShapes(spec: LayerSpec[], inChannels = 3): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  let c = inChannels;
  for (const l of spec) {
    if (l.kind === 'conv') {
      shapes[`${l.name}.weight`] = [l.out, l.k, l.k, c];
      c = l.out;
    } else if (l.kind === 'bn') {
      for (const p of ['gamma', 'beta', 'running_mean', 'running_var']) shapes[`${l.name}.${p}`] = [c];
    } else if (l.kind === 'linear') {
      shapes[`${l.name}.weight`] = [l.out, c];
      shapes[`${l.name}.bias`] = [l.out];
      c = l.out;
    }
  }
  return shapes;
}

/** Names of the parameters SGD updates (everything except BN running statistics). */
export function trainableParamNames(spec: LayerSpec[]): string[] {
  const names: string[] = [];
  for (const l of spec) {
    if (l.kind === 'conv') names.push(`${l.name}.weight`);
    else if (l.kind === 'bn') names.push(`${l.name}.gamma`, `${l.name}.beta`);
    else if (l.kind === 'linear') names.push(`${l.name}.weight`, `${l.name}.bias`);
  }
  return names;
}
