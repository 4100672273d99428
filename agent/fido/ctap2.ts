// CTAP2 over CTAPHID_CBOR: the auth-free commands the agent uses (authenticatorGetInfo and
// bioEnrollment getFingerprintSensorInfo) and strict decoders for their answers. A reply is
// `status byte || CBOR map`; maps are decoded with cbor-x and then checked field by field, so a
// device answering garbage yields a named FidoError, never a crash. Unknown keys are ignored.
import { Decoder, Encoder } from 'cbor-x';
import * as z from 'zod';
import { firstIssue } from '../../protocol/zod-issue.ts';
import { FidoError } from './errors.ts';
import { errorText } from '../../protocol/error-text.ts';

export const CTAP2 = {
  GET_INFO: 0x04,
  BIO_ENROLLMENT: 0x09,
  /** The CTAP 2.1-PRE prototype command, for keys that only announce userVerificationMgmtPreview. */
  BIO_ENROLLMENT_PREVIEW: 0x40,
} as const;

const BIO_MODALITY_FINGERPRINT = 0x01;
const BIO_GET_FINGERPRINT_SENSOR_INFO = 0x07;

const STATUS_NAMES: Readonly<Record<number, string>> = {
  0x01: 'INVALID_COMMAND',
  0x02: 'INVALID_PARAMETER',
  0x03: 'INVALID_LENGTH',
  0x11: 'CBOR_UNEXPECTED_TYPE',
  0x12: 'INVALID_CBOR',
  0x14: 'MISSING_PARAMETER',
  0x27: 'OPERATION_DENIED',
  0x2b: 'UNSUPPORTED_OPTION',
  0x2d: 'KEEPALIVE_CANCEL',
  0x30: 'NOT_ALLOWED',
  0x35: 'PIN_NOT_SET',
  0x36: 'PUAT_REQUIRED',
  0x3e: 'INVALID_SUBCOMMAND',
  0x7f: 'OTHER',
};

export function ctap2StatusName(status: number): string {
  return STATUS_NAMES[status] ?? `0x${status.toString(16).padStart(2, '0')}`;
}

const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

/** The CTAPHID_CBOR payload for getInfo: the command byte alone. */
export const GET_INFO_REQUEST = Uint8Array.of(CTAP2.GET_INFO);

/** The CTAPHID_CBOR payload for getFingerprintSensorInfo: {1: fingerprint, 2: getFingerprintSensorInfo}. */
export function sensorInfoRequest(command: number): Uint8Array {
  const params = new Map([
    [1, BIO_MODALITY_FINGERPRINT],
    [2, BIO_GET_FINGERPRINT_SENSOR_INFO],
  ]);
  return Uint8Array.of(command, ...encoder.encode(params));
}

/** Maps and nested maps become plain objects keyed by the decimal key, so zod can check them. */
function plain(value: unknown): unknown {
  if (value instanceof Map) {
    return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), plain(v)]));
  }
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** Checks the status byte and decodes the CBOR map that follows it. */
export function decodeReply(reply: Uint8Array): Record<string, unknown> {
  if (reply.length === 0) throw new FidoError('BAD_LENGTH', 'empty CTAP2 reply');
  const status = reply[0] ?? 0;
  if (status !== 0) throw new FidoError('CTAP_ERROR', `CTAP2 status ${ctap2StatusName(status)}`);
  let decoded: unknown;
  try {
    decoded = decoder.decode(reply.subarray(1));
  } catch (error) {
    throw new FidoError('INVALID_CBOR', `undecodable CBOR: ${errorText(error)}`);
  }
  if (!(decoded instanceof Map)) throw new FidoError('INVALID_RESPONSE', 'CTAP2 reply is not a CBOR map');
  return plain(decoded) as Record<string, unknown>;
}

const uint = z.number().int().nonnegative();
const bytes16 = z.instanceof(Uint8Array).refine((b) => b.length === 16, 'AAGUID must be 16 bytes');

/** authenticatorGetInfo response keys (CTAP 2.1 §6.4); zod drops any key not listed. */
const GetInfoWire = z.object({
  '1': z.array(z.string()),
  '2': z.array(z.string()).optional(),
  '3': bytes16,
  '4': z.record(z.string(), z.boolean()).optional(),
  '5': uint.optional(),
  '6': z.array(uint).optional(),
  '7': uint.optional(),
  '8': uint.optional(),
  '9': z.array(z.string()).optional(),
  '10': z.array(z.object({ type: z.string(), alg: z.number().int() })).optional(),
  '11': uint.optional(),
  '12': z.boolean().optional(),
  '13': uint.optional(),
  '14': uint.optional(),
  '15': uint.optional(),
  '16': uint.optional(),
  '17': uint.optional(),
  '18': uint.optional(),
  '19': z.record(z.string(), z.number().int()).optional(),
  '20': uint.optional(),
});

export interface GetInfo {
  readonly versions: readonly string[];
  readonly extensions: readonly string[];
  /** Lowercase 8-4-4-4-12 form. */
  readonly aaguid: string;
  readonly options: Readonly<Record<string, boolean>>;
  readonly maxMsgSize: number | null;
  readonly pinUvAuthProtocols: readonly number[];
  readonly maxCredentialCountInList: number | null;
  readonly maxCredentialIdLength: number | null;
  readonly transports: readonly string[];
  readonly algorithms: readonly { readonly type: string; readonly alg: number }[];
  readonly maxSerializedLargeBlobArray: number | null;
  readonly forcePINChange: boolean | null;
  readonly minPINLength: number | null;
  readonly firmwareVersion: number | null;
  readonly maxCredBlobLength: number | null;
  readonly maxRPIDsForSetMinPINLength: number | null;
  readonly preferredPlatformUvAttempts: number | null;
  readonly uvModality: number | null;
  readonly certifications: Readonly<Record<string, number>>;
  readonly remainingDiscoverableCredentials: number | null;
}

export function formatAaguid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = firstIssue(result.error);
    const where = issue?.path ? ` at key ${issue.path}` : '';
    throw new FidoError('INVALID_RESPONSE', `${what}${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** Decodes a full getInfo reply (status byte + CBOR). Throws FidoError only. */
export function parseGetInfo(reply: Uint8Array): GetInfo {
  const wire = checked(GetInfoWire, decodeReply(reply), 'getInfo');
  return {
    versions: wire['1'],
    extensions: wire['2'] ?? [],
    aaguid: formatAaguid(wire['3']),
    options: wire['4'] ?? {},
    maxMsgSize: wire['5'] ?? null,
    pinUvAuthProtocols: wire['6'] ?? [],
    maxCredentialCountInList: wire['7'] ?? null,
    maxCredentialIdLength: wire['8'] ?? null,
    transports: wire['9'] ?? [],
    algorithms: wire['10'] ?? [],
    maxSerializedLargeBlobArray: wire['11'] ?? null,
    forcePINChange: wire['12'] ?? null,
    minPINLength: wire['13'] ?? null,
    firmwareVersion: wire['14'] ?? null,
    maxCredBlobLength: wire['15'] ?? null,
    maxRPIDsForSetMinPINLength: wire['16'] ?? null,
    preferredPlatformUvAttempts: wire['17'] ?? null,
    uvModality: wire['18'] ?? null,
    certifications: wire['19'] ?? {},
    remainingDiscoverableCredentials: wire['20'] ?? null,
  };
}

/** Which bioEnrollment command the key answers, if any: 0x09 for bioEnroll, 0x40 for the preview only. */
export function sensorCommandFor(info: GetInfo): number | null {
  if ('bioEnroll' in info.options) return CTAP2.BIO_ENROLLMENT;
  if ('userVerificationMgmtPreview' in info.options) return CTAP2.BIO_ENROLLMENT_PREVIEW;
  return null;
}

const SensorInfoWire = z.object({
  '2': uint.optional(),
  '3': uint.optional(),
  '8': uint.optional(),
});

export interface FingerprintSensorInfo {
  /** 1 = touch sensor, 2 = swipe sensor. */
  readonly fingerprintKind: number | null;
  readonly maxCaptureSamplesRequiredForEnroll: number | null;
  readonly maxTemplateFriendlyName: number | null;
}

/** Decodes a getFingerprintSensorInfo reply (status byte + CBOR). Throws FidoError only. */
export function parseSensorInfo(reply: Uint8Array): FingerprintSensorInfo {
  const wire = checked(SensorInfoWire, decodeReply(reply), 'getFingerprintSensorInfo');
  return {
    fingerprintKind: wire['2'] ?? null,
    maxCaptureSamplesRequiredForEnroll: wire['3'] ?? null,
    maxTemplateFriendlyName: wire['8'] ?? null,
  };
}
