// Typed data errors: every one names the file and says the problem in words a person can act on.

/** What went wrong, for code that wants to react (tests, the drop zone's hint text). */
export type DataProblem =
  | 'empty'
  | 'truncated'
  | 'oversized'
  | 'bad-label'
  | 'not-cifar'
  | 'corrupt-gzip'
  | 'not-tar'
  | 'corrupt-tar'
  | 'no-cifar-in-archive'
  | 'missing-file'
  | 'bad-meta'
  | 'download'
  | 'checksum';

/** A data file (or archive, or URL) that cannot be used as CIFAR-10. */
export class DataError extends Error {
  override name = 'DataError';
  constructor(
    readonly code: DataProblem,
    /** The file, archive entry or URL at fault, as the user would recognise it. */
    readonly file: string,
    /** The problem in plain words, without the file name. */
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** A balanced subset asked for more images of a class than the set holds. */
export class SubsetError extends Error {
  override name = 'SubsetError';
  constructor(
    readonly label: number,
    readonly available: number,
    readonly wanted: number,
  ) {
    super(`class ${label} has only ${available} images, ${wanted} per class were asked for`);
  }
}
