// One PC, for the help desk: every check with its evidence and the fix, the last key seen, what
// changed when, and "re-check now" whose answer arrives over the live socket.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { DeviceDetail, DeviceRow, HistoryEntry } from '../../../protocol/api.ts';
import { CHECK_GROUPS, CHECKS, fixActor } from '../../../protocol/checks.ts';
import { isMessageKey, remediationText, t } from '../../../protocol/i18n/index.ts';
import { unknownOf, withKeyChecks } from '../../../protocol/readiness.ts';
import type { CheckResult, Evidence, Lang, Report } from '../../../protocol/report.ts';
import { api, ApiError, Unauthorized } from '../api.ts';
import { LayerBadges, Loaded, OnlineBadge, ReadinessBadge, StatusBadge, When, WhenExact } from '../components.tsx';
import { useApp, useLive, useResource } from '../context.ts';
import { checkTitle, reportTextIn, type UiKey } from '../i18n/index.ts';
import { formatDateTime } from '../i18n/format.ts';
import { coalesce } from '../live.ts';
import { RichText } from '../rich-text.tsx';
import { DeviceAccess } from './device-access.tsx';
import { TenantSignIn } from './device-tenant.tsx';
import { TagList } from './tags.tsx';
import { devicesHash, formatHash } from '../route.ts';

const DETAIL_REFRESH_MS = 300;

type Recheck =
  | { state: 'idle' }
  | { state: 'requesting' }
  | { state: 'sent'; requestId: string }
  | { state: 'not-delivered'; requestId: string }
  | { state: 'reported'; at: string }
  | { state: 'failed'; message: string };

export function Device({ deviceId }: { deviceId: string }) {
  const { tr } = useApp();
  const { resource, reload, update } = useResource(() => api.device(deviceId), [deviceId]);
  const [recheck, setRecheck] = useState<Recheck>({ state: 'idle' });
  // A fast agent's report can arrive live before the POST that asked for it has answered (it names
  // the request): remember it, so the answer can show "reported" at once instead of waiting forever.
  const reportedEarly = useRef(new Set<string>());
  const refresh = useMemo(() => coalesce(reload, DETAIL_REFRESH_MS), [reload]);
  useEffect(() => refresh.cancel, [refresh]);
  useEffect(() => setRecheck({ state: 'idle' }), [deviceId]);

  useLive((message) => {
    if (message.type === 'resync') return refresh.trigger();
    if (message.type === 'device' && message.device.deviceId === deviceId) {
      // The row (online, last seen) shows at once; the report and history follow with the refetch.
      const device = message.device;
      update((detail) => ({ ...detail, device }));
      refresh.trigger();
    }
    if (message.type === 'recheck' && message.deviceId === deviceId) {
      setRecheck((current) => {
        if (current.state === 'requesting' && message.state !== 'sent') reportedEarly.current.add(message.requestId);
        const ours = (current.state === 'sent' || current.state === 'not-delivered') && current.requestId === message.requestId;
        if (!ours) return current;
        if (message.state === 'sent') return { state: 'sent', requestId: message.requestId };
        refresh.trigger();
        return { state: 'reported', at: new Date().toISOString() };
      });
    }
  });

  return (
    <main id="main" tabIndex={-1}>
      <p>
        <a href={devicesHash({})}>← {tr('device.back')}</a>
      </p>
      {resource.state === 'failed' && resource.status === 404 ? (
        <p role="alert">{tr('device.notFound')}</p>
      ) : (
        <Loaded resource={resource} retry={reload}>
          {(detail) => <DeviceBody detail={detail} recheck={recheck} setRecheck={setRecheck} reportedEarly={reportedEarly.current} refresh={refresh.trigger} />}
        </Loaded>
      )}
    </main>
  );
}

function DeviceBody({
  detail,
  recheck,
  setRecheck,
  reportedEarly,
  refresh,
}: {
  detail: DeviceDetail;
  recheck: Recheck;
  setRecheck: (r: Recheck) => void;
  reportedEarly: Set<string>;
  refresh: () => void;
}) {
  const { tr, sessionEnded } = useApp();
  const { device, report } = detail;
  // The checks as the fleet counts them: an unplugged key by its state when last seen.
  const checks = report ? withKeyChecks(report.checks, detail.keyChecks) : [];

  const requestRecheck = async () => {
    setRecheck({ state: 'requesting' });
    try {
      const answer = await api.recheck(device.deviceId);
      if (reportedEarly.delete(answer.requestId)) {
        refresh();
        return setRecheck({ state: 'reported', at: new Date().toISOString() });
      }
      setRecheck(answer.delivered ? { state: 'sent', requestId: answer.requestId } : { state: 'not-delivered', requestId: answer.requestId });
    } catch (error) {
      if (error instanceof Unauthorized) return sessionEnded();
      setRecheck({ state: 'failed', message: error instanceof ApiError ? error.message : tr('common.unreachable') });
    }
  };

  return (
    <>
      <header class="device-header">
        <div>
          <h1 class="hostname">{device.hostname}</h1>
          <p>
            <ReadinessBadge readiness={device.readiness} /> <OnlineBadge online={device.online} lastSeen={device.lastSeen} />
            {detail.revocation && (
              <>
                {' '}
                <span class="badge status-fail">{tr('access.badge')}</span>
              </>
            )}
          </p>
          <p>
            <LayerBadges layers={device.layers} />
          </p>
        </div>
        <div class="recheck">
          <button type="button" class="primary" onClick={requestRecheck} disabled={recheck.state === 'requesting'}>
            {tr('recheck.button')}
          </button>
          <p role="status" aria-live="polite" data-recheck={recheck.state}>
            <RecheckStatus recheck={recheck} />
          </p>
        </div>
      </header>

      {report && <NextSteps detail={detail} report={report} checks={checks} />}

      <Identity device={device} detail={detail} />

      <TenantSignIn detail={detail} />

      <section class="panel" aria-labelledby="checks-title">
        <h2 id="checks-title">{tr('device.checks')}</h2>
        {report ? <Checks checks={checks} /> : <p class="muted">{tr('device.noReport')}</p>}
      </section>

      <div class="panels">
        <LastKey device={device} />
        <Timeline history={detail.history} />
      </div>

      <DeviceAccess detail={detail} refresh={refresh} />
    </>
  );
}

function RecheckStatus({ recheck }: { recheck: Recheck }) {
  const { lang, tr } = useApp();
  switch (recheck.state) {
    case 'idle':
      return null;
    case 'requesting':
      return <>{tr('recheck.requesting')}</>;
    case 'sent':
      return <>{tr('recheck.sent')}</>;
    case 'not-delivered':
      return <>{tr('recheck.notDelivered')}</>;
    case 'reported':
      return <>{tr('recheck.reported', { time: formatDateTime(lang, recheck.at) })}</>;
    case 'failed':
      return <>{tr('recheck.failed', { message: recheck.message })}</>;
  }
}

function Identity({ device, detail }: { device: DeviceRow; detail: DeviceDetail }) {
  const { tr } = useApp();
  const os = detail.report?.facts.os;
  const osText = os ? [os.displayVersion, os.build !== null ? `${os.build}${os.ubr !== null ? `.${os.ubr}` : ''}` : null, os.edition].filter(Boolean).join(' · ') : null;
  const rows: [UiKey, ComponentChildren][] = [
    ['device.lastSeen', <WhenExact at={device.lastSeen} />],
    ['device.lastReport', <WhenExact at={device.lastReport} />],
    [
      'device.user',
      device.user === null ? (
        tr('common.none')
      ) : (
        <>
          {device.user}{' '}
          <a href={formatHash({ view: 'instructions', target: { user: device.user }, lang: null })} data-instructions-link>
            {tr('instructions.forUser')}
          </a>
        </>
      ),
    ],
    ['device.os', osText ?? (device.osBuild !== null ? String(device.osBuild) : tr('common.none'))],
    ['device.join', device.joinType ? tr(`join.${device.joinType}`) : tr('common.none')],
    ['device.agentVersion', device.agentVersion ?? tr('common.none')],
    ['device.firstSeen', <WhenExact at={device.firstSeen} />],
    ['device.id', <code>{device.deviceId}</code>],
    ['device.tags', <TagList row={device} />],
  ];
  return (
    <section class="panel">
      <dl class="facts">
        {rows.map(([key, value]) => (
          <div key={key} data-field={key}>
            <dt>{tr(key)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {detail.droppedReports > 0 && <p class="warning">{tr('device.dropped', { count: detail.droppedReports })}</p>}
    </section>
  );
}

function Checks({ checks }: { checks: readonly CheckResult[] }) {
  const { lang } = useApp();
  return (
    <>
      {CHECK_GROUPS.map((group) => {
        const inGroup = checks.filter((c) => CHECKS[c.id].group === group);
        if (inGroup.length === 0) return null;
        return (
          <section key={group} class="check-group" aria-labelledby={`group-${group}`}>
            <h3 id={`group-${group}`}>{t(lang, `group.${group}`)}</h3>
            <ul class="checks">
              {inGroup.map((check) => (
                <CheckItem key={check.id} check={check} />
              ))}
            </ul>
          </section>
        );
      })}
    </>
  );
}

/** A check's fix in the viewer's language, framed like the agent frames it: who acts, which guide step. */
export function fixIn(lang: Lang, check: CheckResult): string | null {
  if (check.remediationKey === null) return check.remediation;
  return isMessageKey(check.remediationKey) ? remediationText(lang, check.remediationKey, check.params) : (check.remediation ?? check.remediationKey);
}

/**
 * The page's first box, for the helpdesk: what failed with who acts and the fix, then what could not
 * be checked with what would check it, then warnings, then what passed (folded away).
 */
function NextSteps({ detail, report, checks }: { detail: DeviceDetail; report: Report; checks: readonly CheckResult[] }) {
  const { lang, tr } = useApp();
  const { device } = detail;
  // Failures of the layers that count first; a user-layer failure (not counted yet) after them.
  const failing = checks.filter((c) => c.status === 'fail').sort((a, b) => Number(a.scope === 'user') - Number(b.scope === 'user'));
  const unknownIds = new Set(checks.filter((c) => c.status === 'unknown').map((c) => c.id));
  const unknown = unknownOf(report).filter((u) => unknownIds.has(u.id));
  const warnings = checks.filter((c) => c.status === 'warn');
  const passed = checks.filter((c) => c.status === 'pass' || c.status === 'skip');
  return (
    <section class="panel next" aria-labelledby="next-title" data-next>
      <h2 id="next-title">{tr('next.title')}</h2>
      {failing.length === 0 && unknown.length === 0 && <p>{tr('next.nothing')}</p>}
      {failing.length > 0 && <Advice kind="failing" heading={tr('next.failing')} checks={failing} />}
      {unknown.length > 0 && (
        <>
          <h3>{tr('next.unknown')}</h3>
          <ul data-next="unknown">
            {unknown.map((u) => (
              <li key={u.id} data-check={u.id}>
                <strong>{checkTitle(lang, u.id)}</strong>: <RichText text={tr('next.collect', { how: t(lang, `collect.${u.collect}`) })} />
              </li>
            ))}
          </ul>
        </>
      )}
      {warnings.length > 0 && <Advice kind="warn" heading={tr('next.warn')} checks={warnings} />}
      {device.keyRemembered && <p class="note" data-key-remembered>{tr('next.keyRemembered', { time: device.keySeenAt === null ? tr('common.unknown') : formatDateTime(lang, device.keySeenAt) })}</p>}
      <p class="note">
        <RichText text={tr('next.userLayer')} />
      </p>
      {passed.length > 0 && (
        <details data-next="passed">
          <summary>{tr('next.passed', { count: passed.length })}</summary>
          <ul>
            {passed.map((check) => (
              <li key={check.id} data-check={check.id}>
                {checkTitle(lang, check.id)}: {t(lang, `status.${check.status}`)}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

/** Checks with what they found and the fix (who acts, guide step); failures numbered, in the order to take them. */
function Advice({ kind, heading, checks }: { kind: 'failing' | 'warn'; heading: string; checks: readonly CheckResult[] }) {
  const { lang } = useApp();
  const items = checks.map((check) => {
    const fix = fixIn(lang, check);
    return (
      <li key={check.id} data-check={check.id} data-actor={check.actor ?? fixActor(check.remediationKey) ?? undefined}>
        <strong>{checkTitle(lang, check.id)}</strong>: <RichText text={reportTextIn(lang, check.detailKey, check.params, check.detail)} />
        {fix !== null && (
          <p class="next-fix">
            <RichText text={fix} />
          </p>
        )}
      </li>
    );
  });
  return (
    <>
      <h3>{heading}</h3>
      {kind === 'failing' ? <ol data-next={kind}>{items}</ol> : <ul data-next={kind}>{items}</ul>}
    </>
  );
}

function CheckItem({ check }: { check: CheckResult }) {
  const { lang, tr } = useApp();
  const detail = reportTextIn(lang, check.detailKey, check.params, check.detail);
  const fix = fixIn(lang, check);
  return (
    <li class={`check status-${check.status}`} data-check={check.id}>
      <div class="check-head">
        <StatusBadge status={check.status} />
        <h4>{checkTitle(lang, check.id)}</h4>
      </div>
      <p class="check-detail">
        <RichText text={detail} />
      </p>
      {fix && (
        <div class="fix">
          <h5>{tr('device.fix')}</h5>
          <p>
            <RichText text={fix} />
          </p>
        </div>
      )}
      <EvidenceList evidence={check.evidence} />
    </li>
  );
}

function EvidenceList({ evidence }: { evidence: Evidence }) {
  const { tr } = useApp();
  const entries = Object.entries(evidence);
  if (entries.length === 0) return null;
  return (
    <details class="evidence">
      <summary>{tr('device.evidence')}</summary>
      <dl>
        {entries.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value === null ? 'null' : Array.isArray(value) ? value.join(', ') : String(value)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function LastKey({ device }: { device: DeviceRow }) {
  const { tr } = useApp();
  const state = (value: boolean | null, yes: UiKey, no: UiKey) => (value === null ? tr('common.unknown') : tr(value ? yes : no));
  return (
    <section class="panel" aria-labelledby="key-title">
      <h2 id="key-title">{tr('device.key')}</h2>
      <p class="muted">{tr('overview.layersKeyNote')}</p>
      {device.keyModel === null && device.keySeenAt === null ? (
        <p class="muted">{tr('device.keyNone')}</p>
      ) : (
        <dl class="facts">
          <div>
            <dt>{tr('device.keyModel')}</dt>
            <dd>{device.keyModel ?? tr('common.unknown')}</dd>
          </div>
          <div>
            <dt>{tr('device.keyFingerprint')}</dt>
            <dd>{state(device.keyFingerprintEnrolled, 'device.keyEnrolled', 'device.keyNotEnrolled')}</dd>
          </div>
          <div>
            <dt>{tr('device.keyPin')}</dt>
            <dd>{state(device.keyPinSet, 'device.pinSet', 'device.pinNotSet')}</dd>
          </div>
          <div>
            <dt>{tr('device.keySeenAt')}</dt>
            <dd>
              <WhenExact at={device.keySeenAt} />
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}

function Timeline({ history }: { history: readonly HistoryEntry[] }) {
  const { lang, tr } = useApp();
  const entries = [...history].sort((a, b) => b.seq - a.seq);
  return (
    <section class="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{tr('device.timeline')}</h2>
      {entries.length === 0 ? (
        <p class="muted">{tr('device.timelineEmpty')}</p>
      ) : (
        <ol class="timeline">
          {entries.map((entry) => {
            // The first report sets every check; only what it found wrong is worth a line.
            const first = entry.changes.every((change) => change.from === null);
            const changes = first ? entry.changes.filter((change) => change.to !== 'pass' && change.to !== 'skip') : entry.changes;
            return (
              <li key={entry.seq}>
                <When at={entry.at} /> <ReadinessBadge readiness={entry.readiness} />
                {first && <> {tr('device.timelineFirst')}</>}
                <ul>
                  {changes.map((change) => (
                    <li key={change.id}>
                      {checkTitle(lang, change.id)}: {change.from === null ? '' : `${t(lang, `status.${change.from}`)} → `}
                      {t(lang, `status.${change.to}`)}
                    </li>
                  ))}
                </ul>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
