import type { SdkEnvironment, SdkExceptionClass, SdkToken, SdkTokenV2, SdkUserSignature, ZohoSdk } from './types.js';

/** The SDK family: `name` (TypeScript SDKs, nodejs-sdk-8.0) or `mail` (nodejs-sdk-2.0's older store API). */
export type SdkFamily = 'name' | 'mail';

/** One SDK line's classes, read once from what the caller passed. */
export interface ResolvedSdk {
  readonly family: SdkFamily;
  /** A blank SDK token, the way the SDK's own stores build one (`Reflect.construct(OAuthToken, [])`). */
  newToken(): SdkToken & SdkTokenV2;
  isToken(value: unknown): boolean;
  newUser(name: string): SdkUserSignature;
  /** An exception of the SDK's own class, so the SDK passes it on as one of its own. */
  exception(code: string, message: string, cause?: unknown): Error;
  /** The SDK's `TokenStore` prototype when its `InitializeBuilder.store()` checks `instanceof`. */
  readonly storePrototype: object | undefined;
  /** The environment of the SDK's current initializer (the user being served). */
  environment(): Promise<SdkEnvironment | null>;
  /** The stock data center an API domain belongs to, as the SDK's `DataCenter.get` tells it. */
  dataCenter(apiDomain: string): Promise<SdkEnvironment | null>;
}

type Fn = (...args: never[]) => unknown;
const isFunction = (value: unknown): value is Fn => typeof value === 'function';

export function resolveSdk(sdk: ZohoSdk): ResolvedSdk {
  if (typeof sdk !== 'object' || sdk === null || !isFunction(sdk.OAuthToken) || !isFunction(sdk.SDKException)) {
    throw new TypeError(
      '@tokens/zoho: the `sdk` option must be the Zoho SDK module (import * as ZOHOCRMSDK from "@zohocrm/typescript-sdk-8.0"), with OAuthToken and SDKException',
    );
  }
  const OAuthToken = sdk.OAuthToken as unknown as new () => SdkToken & SdkTokenV2;
  const SDKException = sdk.SDKException as unknown as SdkExceptionClass;
  const proto = OAuthToken.prototype as Record<string, unknown>;
  const family: SdkFamily = isFunction(proto.getUserSignature) ? 'name' : 'mail';
  const UserSignature = sdk.UserSignature as (new (name: string) => SdkUserSignature) | undefined;
  const Initializer = sdk.Initializer as
    | { getInitializer?: () => Promise<{ getEnvironment?: () => SdkEnvironment | null } | null> }
    | undefined;
  const DataCenter = sdk.DataCenter as { get?: (url: string) => Promise<SdkEnvironment | null> } | undefined;
  const storeClass = isFunction(sdk.TokenStore)
    ? sdk.TokenStore
    : isFunction((sdk.TokenStore as { TokenStore?: unknown } | undefined)?.TokenStore)
      ? (sdk.TokenStore as { TokenStore: Fn }).TokenStore
      : undefined;

  return {
    family,
    newToken: () => Reflect.construct(OAuthToken, []),
    isToken: (value) => value instanceof OAuthToken,
    newUser(name) {
      if (!UserSignature) throw new TypeError('@tokens/zoho: the `sdk` option has no UserSignature class');
      return new UserSignature(name);
    },
    exception(code, message, cause) {
      // Built without a cause, then given one: the SDK's constructor would append the cause's
      // text to the message (and `details: null` would append "null").
      const error = new SDKException(code, message);
      if (cause !== undefined) error.cause = cause;
      return error;
    },
    storePrototype: storeClass?.prototype as object | undefined,
    async environment() {
      const initializer = await Initializer?.getInitializer?.();
      return initializer?.getEnvironment?.() ?? null;
    },
    async dataCenter(apiDomain) {
      if (!isFunction(DataCenter?.get)) return null;
      try {
        return (await DataCenter.get(apiDomain)) ?? null;
      } catch {
        return null;
      }
    },
  };
}
