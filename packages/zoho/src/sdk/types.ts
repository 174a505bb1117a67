/**
 * The parts of the Zoho CRM SDKs the bridge touches, typed structurally: no SDK is bundled or
 * imported for types, and the four SDK lines differ (see the package README).
 */

/** `UserSignature` of the TypeScript SDKs and nodejs-sdk-8.0 (`getName`), of nodejs-sdk-2.0 (`getEmail`). */
export interface SdkUserSignature {
  getName?(): string | null | undefined;
  getEmail?(): string | null | undefined;
}

type Maybe<T> = T | null | undefined;

/** The fields both `OAuthToken` classes have, under the same accessor names. */
interface SdkTokenFields {
  getId(): Maybe<string>;
  setId(id: string | null): void;
  getClientId(): Maybe<string>;
  setClientId(value: string | null): void;
  getClientSecret(): Maybe<string>;
  setClientSecret(value: string | null): void;
  getRedirectURL(): Maybe<string>;
  setRedirectURL(value: string | null): void;
  getGrantToken(): Maybe<string>;
  setGrantToken(value: string | null): void;
  getRefreshToken(): Maybe<string>;
  setRefreshToken(value: string | null): void;
  getAccessToken(): Maybe<string>;
  setAccessToken(value: string | null): void;
  /** A string of epoch milliseconds. */
  getExpiresIn(): Maybe<string>;
  setExpiresIn(value: string | null): void;
}

/** `OAuthToken` of the TypeScript SDKs and nodejs-sdk-8.0. */
export interface SdkToken extends SdkTokenFields {
  getUserSignature(): Maybe<SdkUserSignature>;
  setUserSignature(user: SdkUserSignature | null): void;
  getAPIDomain(): Maybe<string>;
  setAPIDomain(value: string | null): void;
}

/** `OAuthToken` of nodejs-sdk-2.0: no user signature or API domain, a `userMail` instead. */
export interface SdkTokenV2 extends SdkTokenFields {
  getUserMail(): Maybe<string>;
  setUserMail(value: string | null): void;
}

export interface SdkEnvironment {
  getAccountsUrl(): Maybe<string>;
}

export type SdkExceptionClass = new (code: string | null, message: string | null) => Error & { code?: unknown; cause?: unknown };

/**
 * What the bridge needs from an SDK. The module of `@zohocrm/typescript-sdk-8.0`, `-7.0` and
 * `@zohocrm/nodejs-sdk-8.0` (`import * as ZOHOCRMSDK from …`) has all of it; for
 * `@zohocrm/nodejs-sdk-2.0` use the `@tokens/zoho/nodejs-sdk-2.0` entry point.
 */
export interface ZohoSdk {
  OAuthToken: abstract new (...args: never[]) => object;
  SDKException: unknown;
  UserSignature?: unknown;
  Initializer?: unknown;
  /** A class (nodejs-sdk-2.0), a module namespace holding the class (nodejs-sdk-8.0), or an interface-only module (TypeScript SDKs). */
  TokenStore?: unknown;
  DataCenter?: unknown;
}
