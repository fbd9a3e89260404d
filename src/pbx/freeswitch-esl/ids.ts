import { randomBytes } from 'node:crypto';

/**
 * Channel and job ids with a per-driver prefix. FreeSWITCH lets the client choose both
 * (`origination_uuid`, the `Job-UUID` header of bgapi), and its event filters take regular
 * expressions: two permanent filters (`Unique-ID /^<prefix>-/`, `Job-UUID /^<prefix>-/`) then let
 * exactly this driver's channels and jobs through — no filter to add and remove per call, and
 * nothing of the other users of a shared FreeSWITCH (nor our calls' B legs) reaches us.
 */
export class IdSource {
  /** 8 lower-case hex digits, random per driver instance. */
  readonly prefix: string;
  /** Random bytes drawn 3 KiB at a time (one getrandom call per 256 ids, not one per id). */
  private pool = Buffer.alloc(0);
  private offset = 0;

  constructor(prefix = randomBytes(4).toString('hex')) {
    if (!/^[0-9a-f]{8}$/.test(prefix)) throw new RangeError('id prefix must be 8 lower-case hex digits');
    this.prefix = prefix;
  }

  /** A version-4-shaped UUID starting with the prefix. */
  next(): string {
    if (this.offset + 12 > this.pool.length) {
      this.pool = randomBytes(12 * 256);
      this.offset = 0;
    }
    const r = this.pool.toString('hex', this.offset, this.offset + 12);
    this.offset += 12;
    const variant = ((parseInt(r.charAt(7), 16) & 0x3) | 0x8).toString(16);
    return `${this.prefix}-${r.slice(0, 4)}-4${r.slice(4, 7)}-${variant}${r.slice(8, 11)}-${r.slice(11, 23)}`;
  }

  /** The filter value (a regular expression, as mod_event_socket takes them) matching our ids. */
  get filter(): string {
    return `/^${this.prefix}-/`;
  }
}
