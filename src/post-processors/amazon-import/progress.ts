import type { MadeAmi } from '../../machines/aws/images.js';

/** What an import has made in AWS so far: everything here is removed if it does not finish. */
export interface ImportProgress {
  /** A snapshot not yet behind a registered AMI. */
  snapshot?: string;
  /** An S3 object uploaded for VM Import. */
  object?: { bucket: string; key: string };
  /** A VM Import task still running. */
  importTask?: string;
  amis: MadeAmi[];
}
