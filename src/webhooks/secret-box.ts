import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const PLAIN = 'plain';

/**
 * Endpoint secrets at rest: AES-256-GCM under WEBHOOK_SECRET_KEY (a 12-byte random IV
 * per value, the endpoint id as associated data, so a ciphertext copied to another
 * endpoint's row does not decrypt). Stored as `v1.<iv>.<tag>.<ciphertext>` (base64).
 * Without a key the value is stored as `plain.<secret>` (development), and start-up
 * warns.
 */
export class SecretBox {
  private readonly key?: Buffer;

  constructor(base64Key: string | undefined) {
    this.key = base64Key ? Buffer.from(base64Key, 'base64') : undefined;
  }

  get encrypts(): boolean {
    return this.key !== undefined;
  }

  seal(secret: string, endpointId: string): string {
    if (!this.key) return `${PLAIN}.${secret}`;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(endpointId));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
      .join('.');
  }

  open(sealed: string, endpointId: string): string {
    const [version, ...parts] = sealed.split('.');
    if (version === PLAIN) return parts.join('.');
    if (version !== VERSION || parts.length !== 3) throw new Error('Unknown secret format');
    if (!this.key) throw new Error('WEBHOOK_SECRET_KEY is needed to read the endpoint secrets');
    const [iv, tag, ciphertext] = parts.map((part) => Buffer.from(part, 'base64'));
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(endpointId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  }
}
