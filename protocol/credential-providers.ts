// Windows facts the agent's probes and checks both need, and the dashboard may show: the CLSIDs of
// the sign-in credential providers (reference/windows.md §3, community-sourced). They live here, not
// in the registry probe, so the checks stay pure functions of facts.
import type { MessageKey } from './i18n/index.ts';

/** The FIDO (security key) credential provider. */
export const FIDO_PROVIDER_CLSID = '{F8A1793B-7873-4046-B2A7-1F318747F427}';

/** The other credential providers a sign-in may have used, by upper-case CLSID, with how to name them. */
export const OTHER_SIGNIN_PROVIDERS: Readonly<Record<string, MessageKey>> = {
  '{60B78E88-EAD8-445C-9CFD-0B87F74EA6CD}': 'check.signin.last-provider.password',
  '{D6886603-9D2F-4EB2-B667-1971041FA96B}': 'check.signin.last-provider.pin',
  '{BEC09223-B018-416D-A0AC-523971B639F5}': 'check.signin.last-provider.fingerprint',
  '{8FD7E19C-3BF7-489B-A72C-846AB3678C96}': 'check.signin.last-provider.smartcard',
};
