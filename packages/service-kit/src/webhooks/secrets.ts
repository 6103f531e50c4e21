import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** A signing secret as kept: sealed, and until when it still signs (the previous one, after a rotation). */
export type KeptSecret = { sealed: string; expiresAt: string | null };

/** How long a rotated-out secret keeps signing beside the new one: the receiver's time to switch. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/**
 * Webhook signing secrets are symmetric: the platform must read them to sign. They are kept sealed
 * (AES-256-GCM, a key derived from the deployment's identifier key), so a copy of the database alone
 * cannot forge deliveries.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(identifierKey: string) {
    this.#key = Buffer.from(hkdfSync('sha256', identifierKey, 'casework', 'webhook-secret-v1', 32));
  }

  /** A new secret in the Standard Webhooks form, `whsec_` and 32 random bytes in base64. */
  static generate(): string {
    return `whsec_${randomBytes(32).toString('base64')}`;
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([iv, cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return body.toString('base64');
  }

  open(sealed: string): string {
    const body = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, body.subarray(0, 12));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(12, body.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  }

  /**
   * The `webhook-signature` of a message at `now`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` by
   * each secret in force (the current one, and a rotated-out one until its overlap ends), space-separated,
   * as the Standard Webhooks specification signs. Opened secrets are kept per sealed value: a round signs
   * many deliveries to few endpoints.
   */
  sign(kept: readonly KeptSecret[], id: string, now: Date, body: string): string {
    const seconds = Math.floor(now.getTime() / 1000);
    const keys = kept
      .filter((k) => k.expiresAt === null || Date.parse(k.expiresAt) > now.getTime())
      .flatMap((k) => {
        // one sealed under a key the deployment no longer has signs nothing: the others still do
        try {
          return [this.#keyOf(k.sealed)];
        } catch {
          return [];
        }
      });
    if (keys.length === 0) throw new Error('no signing secret of the endpoint can be opened');
    return keys
      .map((key) => `v1,${createHmac('sha256', key).update(`${id}.${seconds}.${body}`).digest('base64')}`)
      .join(' ');
  }

  /** Whether a kept secret can still be opened (not, once the deployment's identifier key changed). */
  opens(sealed: string): boolean {
    try {
      this.#keyOf(sealed);
      return true;
    } catch {
      return false;
    }
  }

  readonly #opened = new Map<string, Buffer>();
  #keyOf(sealed: string): Buffer {
    let key = this.#opened.get(sealed);
    if (!key) {
      key = Buffer.from(this.open(sealed).slice('whsec_'.length), 'base64');
      if (this.#opened.size >= 10_000) this.#opened.clear();
      this.#opened.set(sealed, key);
    }
    return key;
  }
}
