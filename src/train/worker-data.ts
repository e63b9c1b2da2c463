// The images a worker trains or measures on, from a dataset configuration: the built-in synthetic
// set, CIFAR-10 served with the page, or CIFAR-10 files the person dropped (sent with the message).
import { balancedSubset, DataError, fetchCifarFromServer, loadCifarFromFiles, makeSyntheticDataset, type CifarDataset } from '../data';
import type { DatasetConfig } from './protocol';

export async function loadData(config: { dataset: DatasetConfig }, files: { name: string; bytes: Uint8Array }[] | undefined, dataUrl: string | undefined): Promise<CifarDataset> {
  const d = config.dataset;
  if (d.kind === 'synthetic') return makeSyntheticDataset({ seed: d.seed, trainPerClass: d.trainPerClass, testPerClass: d.testPerClass });
  let ds: CifarDataset;
  if (d.source === 'files') {
    if (!files?.length) throw new DataError('missing-file', 'CIFAR-10', 'no files were given; drop the .bin files or cifar-10-binary.tar.gz onto the page');
    ds = loadCifarFromFiles(files);
  } else {
    ds = await fetchCifarFromServer(dataUrl ?? 'data/cifar10/');
  }
  if (d.trainPerClass > 0) ds = { ...ds, train: balancedSubset(ds.train, d.trainPerClass) };
  if (d.testLimit && d.testLimit < ds.test.n) {
    const n = d.testLimit;
    ds = { ...ds, test: { images: ds.test.images.slice(0, n * 3072), labels: ds.test.labels.slice(0, n), n } };
  }
  return ds;
}

