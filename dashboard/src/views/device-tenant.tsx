// The PC page's "Sign-in for <user> with <key>" section: the tenant join's verdicts (Microsoft Entra,
// read by the collector) beside the PC's own checks, with their fixes (in the guide's steps) and the data's age.
import type { DeviceDetail } from '../../../protocol/api.ts';
import { isMessageKey, t } from '../../../protocol/i18n/index.ts';
import type { Lang } from '../../../protocol/report.ts';
import { FIRST_READ_PENDING, type TenantVerdict } from '../../../protocol/tenant.ts';
import { useApp } from '../context.ts';
import { RichText } from '../rich-text.tsx';
import { formatDateTime } from '../i18n/format.ts';
import type { UiKey } from '../i18n/index.ts';

/** Tenant severities drawn with the check badges' colours, and their labels. */
const SEVERITY: Readonly<Record<TenantVerdict['status'], { badge: string; label: UiKey }>> = {
  blocker: { badge: 'fail', label: 'tenant.status.blocker' },
  warn: { badge: 'warn', label: 'tenant.status.warn' },
  info: { badge: 'skip', label: 'tenant.status.info' },
  unknown: { badge: 'unknown', label: 'tenant.status.unknown' },
  ready: { badge: 'pass', label: 'tenant.status.ready' },
};

export function TenantSignIn({ detail }: { detail: DeviceDetail }) {
  const { lang, tr } = useApp();
  const tenant = detail.tenant ?? null;
  const key = detail.device.keyModel ?? tr('common.unknown');
  return (
    <section class="panel" aria-labelledby="tenant-title" data-tenant={tenant?.overall ?? 'off'}>
      <h2 id="tenant-title">{tr('tenant.title', { user: tenant?.user ?? detail.device.user ?? tr('common.unknown'), key })}</h2>
      {tenant === null ? (
        <p class="muted">{tr('tenant.off')}</p>
      ) : tenant.missing.some((m) => m.name === FIRST_READ_PENDING.name) ? (
        <p class="muted" data-tenant-waiting>{tr('tenant.waiting')}</p>
      ) : (
        <>
          <p>
            <strong>{t(lang, `tenant.overall.${tenant.overall}`)}</strong>
            {tenant.oldestFactAt !== null && <span class="muted"> — {tr('tenant.age', { time: formatDateTime(lang, tenant.oldestFactAt) })}</span>}
          </p>
          <ul class="checks">
            {tenant.verdicts.map((v) => (
              <li key={`${v.id}-${v.textKey}`} class={`check status-${SEVERITY[v.status].badge}`} data-verdict={v.id} data-actor={v.actor ?? undefined}>
                <div class="check-head">
                  <span class={`badge status-${SEVERITY[v.status].badge}`}>{tr(SEVERITY[v.status].label)}</span>
                  <h4>{t(lang, v.textKey, withMissingSaid(lang, v.params))}</h4>
                </div>
                {v.fixKey !== null && (
                  <div class="fix">
                    <h5>{tr('device.fix')}</h5>
                    <p>
                      <RichText text={t(lang, v.fixKey, v.params)} />
                    </p>
                  </div>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/**
 * Verdicts about data Graph could not give carry what is missing as its kind and bare name: say it in
 * the viewer's words ("the application permission … is not granted", "the tenant has no … licence").
 */
function withMissingSaid(lang: Lang, params: TenantVerdict['params']): TenantVerdict['params'] {
  const { kind, missing } = params;
  if (typeof kind !== 'string' || typeof missing !== 'string' || !isMessageKey(`tenant.missing.${kind}`)) return params;
  return { ...params, missing: t(lang, `tenant.missing.${kind}`, { name: missing }) };
}
