// The PC page's "Access" section: whether the PC may connect (revoke it, with a confirm step; allow
// a revoked PC's hardware to enroll again) and its identity's history (re-enrolments, refusals,
// revocations), which is where an identity copied with the fleet secret would show.
import { useState } from 'preact/hooks';
import type { DeviceDetail, EnrollmentKind } from '../../../protocol/api.ts';
import { api, ApiError, Unauthorized } from '../api.ts';
import { WhenExact } from '../components.tsx';
import { useApp } from '../context.ts';
import type { UiKey } from '../i18n/index.ts';

const KIND_TEXT: Readonly<Record<EnrollmentKind, UiKey>> = {
  reenrolled: 'access.kind.reenrolled',
  'reenroll-refused': 'access.kind.reenrollRefused',
  'refused-revoked': 'access.kind.refusedRevoked',
  revoked: 'access.kind.revoked',
  'reenroll-allowed': 'access.kind.reenrollAllowed',
};

type Step = { state: 'idle' } | { state: 'confirm' } | { state: 'busy' } | { state: 'failed'; message: string };

export function DeviceAccess({ detail, refresh }: { detail: DeviceDetail; refresh: () => void }) {
  const { tr, sessionEnded, role } = useApp();
  // Revoking and allowing are an admin's (the collector refuses them to helpdesk accounts too).
  const admin = role === 'admin';
  const [step, setStep] = useState<Step>({ state: 'idle' });
  const { deviceId, hostname } = detail.device;
  const revocation = detail.revocation ?? null;
  const events = detail.enrollments ?? [];

  const act = async (run: () => Promise<void>) => {
    setStep({ state: 'busy' });
    try {
      await run();
      setStep({ state: 'idle' });
      refresh();
    } catch (error) {
      if (error instanceof Unauthorized) return sessionEnded();
      setStep({ state: 'failed', message: error instanceof ApiError ? error.message : tr('common.unreachable') });
    }
  };

  return (
    <section class="panel" aria-labelledby="access-title" data-revocation={revocation ?? 'none'}>
      <h2 id="access-title">{tr('access.title')}</h2>
      {revocation === null ? (
        <>
          <p class="muted">{tr('access.active')}</p>
          {!admin ? null : step.state === 'confirm' ? (
            <div role="alertdialog" aria-labelledby="revoke-question" class="confirm">
              <p id="revoke-question">
                <strong>{tr('access.confirm', { hostname })}</strong>
              </p>
              <button type="button" class="danger" onClick={() => act(() => api.revoke(deviceId))}>
                {tr('access.revoke.confirm')}
              </button>{' '}
              <button type="button" onClick={() => setStep({ state: 'idle' })}>
                {tr('access.cancel')}
              </button>
            </div>
          ) : (
            <button type="button" onClick={() => setStep({ state: 'confirm' })} disabled={step.state === 'busy'}>
              {tr('access.revoke')}
            </button>
          )}
        </>
      ) : (
        <>
          <p role="status" class="error">
            <strong>{tr(revocation === 'revoked' ? 'access.revoked' : 'access.allowed')}</strong>
          </p>
          {revocation === 'revoked' && admin && (
            <button type="button" onClick={() => act(() => api.allowReenroll(deviceId))} disabled={step.state === 'busy'}>
              {tr('access.allow')}
            </button>
          )}
        </>
      )}
      {step.state === 'failed' && <p role="alert" class="error">{tr('access.failed', { message: step.message })}</p>}
      <h3>{tr('access.history')}</h3>
      {events.length === 0 ? (
        <p class="muted">{tr('access.noHistory')}</p>
      ) : (
        <table class="enrollments">
          <thead>
            <tr>
              <th scope="col">{tr('access.when')}</th>
              <th scope="col">{tr('access.what')}</th>
              <th scope="col">{tr('access.hostname')}</th>
              <th scope="col">{tr('access.address')}</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={`${event.at}-${event.kind}`} data-kind={event.kind}>
                <td>
                  <WhenExact at={event.at} />
                </td>
                <td>{tr(KIND_TEXT[event.kind])}</td>
                <td>{event.hostname}</td>
                <td>{event.address ?? tr('access.commandLine')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
