// Every way talking to a FIDO device can go wrong has a name, so a scan reports "CHANNEL_BUSY" or
// "TIMEOUT" instead of a stack trace, and callers can switch on the code without parsing messages.
import { errorText } from '../../protocol/error-text.ts';

export const FIDO_ERROR_CODES = [
  /** No complete answer within the exchange's time bound. */
  'TIMEOUT',
  /** The answer started but its continuation packets stopped before the announced length. */
  'INCOMPLETE',
  /** INIT replies arrived, but none echoed our nonce. */
  'NONCE_MISMATCH',
  /** A declared length beyond the CTAPHID maximum, or a reply too short for its command. */
  'BAD_LENGTH',
  /** Continuation packets out of order. */
  'BAD_SEQUENCE',
  /** A reply for a different command than the one sent. */
  'UNEXPECTED_COMMAND',
  /** The device answered with a CTAPHID ERROR frame (the detail names the CTAPHID error). */
  'DEVICE_ERROR',
  /** The CTAP2 status byte was not CTAP2_OK (the detail names the CTAP2 status). */
  'CTAP_ERROR',
  /** The CBOR payload could not be decoded. */
  'INVALID_CBOR',
  /** Decodable CBOR with the wrong shape for the command. */
  'INVALID_RESPONSE',
  /** Opening the device was refused by the OS (Windows without elevation, missing udev rule). */
  'ACCESS_DENIED',
  /** Opening, writing or reading the device failed for another reason (unplugged, I/O error). */
  'TRANSPORT',
] as const;
export type FidoErrorCode = (typeof FIDO_ERROR_CODES)[number];

export class FidoError extends Error {
  override readonly name = 'FidoError';
  constructor(
    readonly code: FidoErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The one-line form kept in facts and bundles: "CODE: message". */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** Normalises anything thrown at the I/O edge into a FidoError so only named errors travel upwards. */
export function asFidoError(error: unknown, fallback: FidoErrorCode = 'TRANSPORT'): FidoError {
  if (error instanceof FidoError) return error;
  const message = errorText(error);
  return new FidoError(fallback, message);
}
