/**
 * An OAuth token as an application hands it to a store: the fields of the Zoho token object in
 * camelCase. `undefined` (or a missing property) means "not given"; `null` means "explicitly empty".
 */
export interface OAuthToken {
  id?: string | null;
  userSignature?: string | null;
  clientId?: string | null;
  clientSecret?: string | null;
  redirectUrl?: string | null;
  grantToken?: string | null;
  refreshToken?: string | null;
  accessToken?: string | null;
  /** Absolute expiry, milliseconds since the epoch. */
  expiryTime?: number | null;
  apiDomain?: string | null;
  /** Version the caller last read; when given, the save is a compare-and-set. */
  version?: number | null;
}

/** A token as a store returns it: every field present, `null` where nothing is stored. */
export interface StoredToken {
  id: string;
  version: number;
  userSignature: string | null;
  clientId: string | null;
  clientSecret: string | null;
  redirectUrl: string | null;
  grantToken: string | null;
  refreshToken: string | null;
  accessToken: string | null;
  expiryTime: number | null;
  apiDomain: string | null;
}

export const STRING_FIELDS = [
  'userSignature',
  'clientId',
  'clientSecret',
  'redirectUrl',
  'grantToken',
  'refreshToken',
  'accessToken',
  'apiDomain',
] as const;

export type StringField = (typeof STRING_FIELDS)[number];

/** The data fields, in the order stores write them (everything but `id` and `version`). */
export const DATA_FIELDS = [...STRING_FIELDS, 'expiryTime'] as const;

export type DataField = (typeof DATA_FIELDS)[number];

/** Fields whose values are credentials: never printed, never put in an error message. */
export const SECRET_FIELDS = ['clientSecret', 'grantToken', 'refreshToken', 'accessToken'] as const;

/** The largest string a field may hold, in UTF-16 code units (JWTs of several KiB fit easily). */
export const MAX_VALUE_LENGTH = 65_536;

/** The longest id a caller may choose. */
export const MAX_ID_LENGTH = 255;
