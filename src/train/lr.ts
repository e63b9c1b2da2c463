// Learning-rate schedule, set once per epoch: optional linear warm-up, then a per-epoch cosine
// lr(e) = lr/2·(1 + cos(π·e/E)) (REFERENCE_RESULTS.md: 0.025·(1 + cos(π·e/6)) for lr 0.05, E = 6).
export function learningRate(base: number, epoch: number, epochs: number, warmupEpochs = 0): number {
  if (epoch < warmupEpochs) return (base * (epoch + 1)) / (warmupEpochs + 1);
  return (base / 2) * (1 + Math.cos((Math.PI * epoch) / epochs));
}
