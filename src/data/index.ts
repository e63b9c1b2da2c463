// Public API of src/data: CIFAR-10 files and archives, the synthetic set, subsets and normalisation.
export { DataError, SubsetError, type DataProblem } from './errors';
export {
  CIFAR10_CLASS_NAMES, CHANNELS, IMAGE_BYTES, IMAGE_SIZE, NUM_CLASSES, RECORD_BYTES,
  parseBatchesMeta, parseCifarBinary, type CifarBinary,
} from './cifar10';
export { gunzip, isArchive, unpackArchive } from './archive';
export { readTar, type TarEntry } from './tar';
export {
  chwToHwc, concatSets, loadCifarFromFiles, type CifarDataset, type ImageSet, type NamedBytes,
} from './dataset';
export { balancedSubset } from './subset';
export { channelStats, normaliseToFloat32, type ChannelStats } from './normalise';
export { makeSyntheticDataset, type SyntheticOptions } from './synthetic';
export { MANIFEST_FILE, fetchCifarFromServer, parseManifest, type CifarManifest } from './manifest';
export { Rng, deriveSeed } from './prng';
