/** Zoho's data centers: the accounts host that issues tokens and the API host it names in `api_domain`. */
export const ZOHO_DATA_CENTERS = {
  US: { accounts: 'https://accounts.zoho.com', api: 'zohoapis.com' },
  EU: { accounts: 'https://accounts.zoho.eu', api: 'zohoapis.eu' },
  IN: { accounts: 'https://accounts.zoho.in', api: 'zohoapis.in' },
  AU: { accounts: 'https://accounts.zoho.com.au', api: 'zohoapis.com.au' },
  JP: { accounts: 'https://accounts.zoho.jp', api: 'zohoapis.jp' },
  CA: { accounts: 'https://accounts.zohocloud.ca', api: 'zohoapis.ca' },
  CN: { accounts: 'https://accounts.zoho.com.cn', api: 'zohoapis.com.cn' },
  SA: { accounts: 'https://accounts.zoho.sa', api: 'zohoapis.sa' },
  UK: { accounts: 'https://accounts.zoho.uk', api: 'zohoapis.uk' },
} as const;

export type ZohoDataCenter = keyof typeof ZOHO_DATA_CENTERS;

/**
 * The accounts URL for an `api_domain` such as `https://www.zohoapis.eu` (also `sandbox.`,
 * `developer.` and `content.` hosts), or `undefined` when it is no Zoho API host.
 */
export function zohoAccountsUrlFor(apiDomain: string | null | undefined): string | undefined {
  if (!apiDomain) return undefined;
  let host: string;
  try {
    host = new URL(apiDomain.includes('://') ? apiDomain : `https://${apiDomain}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  for (const center of Object.values(ZOHO_DATA_CENTERS)) {
    if (host === center.api || host.endsWith(`.${center.api}`)) return center.accounts;
  }
  return undefined;
}
