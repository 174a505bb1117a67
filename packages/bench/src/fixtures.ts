import type { OAuthToken } from '@tokens/core';

export const CLIENT = { clientId: '1000.BENCHCLIENT', clientSecret: 'bench-client-secret' };

/** The i-th token of a data set: realistic sizes (Zoho tokens are ~70 characters). */
export function tokenAt(i: number, salt = 'seed'): OAuthToken & { userSignature: string; refreshToken: string; accessToken: string } {
  return {
    userSignature: `user${i}@example.com`,
    ...CLIENT,
    redirectUrl: 'https://app.example.com/oauth/callback',
    refreshToken: `1000.${salt}.refresh.${i}.${'r'.repeat(40)}`,
    accessToken: `1000.${salt}.access.${i}.${'a'.repeat(40)}`,
    expiryTime: 1_900_000_000_000 + i,
    apiDomain: 'https://www.zohoapis.com',
  };
}

/** Picks data-set indices in a fixed pseudo-random order, so caches see realistic access. */
export function indexPicker(n: number): (i: number) => number {
  return (i) => (i * 2_654_435_761) % n;
}
