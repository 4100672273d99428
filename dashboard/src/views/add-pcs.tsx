// The empty overview: no PC has reported yet, so instead of "0 % ready" it says how to add PCs — the
// MSI command with this collector's address, where the enrollment secret is, and the deployment guide.
import { api } from '../api.ts';
import { Loaded } from '../components.tsx';
import { useApp, useResource } from '../context.ts';

export function AddPcs() {
  const { lang, tr } = useApp();
  const { resource, reload } = useResource(api.enrollInfo, []);
  const guide = lang === 'ja' ? '/guides/INTUNE.ja.md' : '/guides/INTUNE.md';
  return (
    <section class="panel add-pcs" aria-labelledby="add-pcs-title" data-add-pcs>
      <h2 id="add-pcs-title">{tr('addPcs.title')}</h2>
      <p>{tr('addPcs.intro')}</p>
      <Loaded resource={resource} retry={reload}>
        {(info) => (
          <>
            {info.msiCommand === null ? (
              <p class="warning" data-add-pcs="loopback">{tr('addPcs.loopback')}</p>
            ) : (
              <>
                <h3>{tr('addPcs.msi')}</h3>
                <pre class="command" data-command="msi"><code>{info.msiCommand}</code></pre>
                <p class="muted">{tr('addPcs.urls', { urls: info.agentUrls.join(', ') })}</p>
                {info.agentUrls[0]?.startsWith('ws://') && <p class="warning" data-add-pcs="insecure">{tr('addPcs.insecure')}</p>}
                <h3>{tr('addPcs.agent')}</h3>
                <pre class="command" data-command="agent"><code>{info.agentCommand}</code></pre>
              </>
            )}
            <h3>{tr('addPcs.secret')}</h3>
            {info.secretCommand === null ? (
              <p data-secret="options">{tr('addPcs.secretOptions')}</p>
            ) : (
              <>
                <p data-secret="generated">{tr('addPcs.secretGenerated')}</p>
                <pre class="command" data-command="secret"><code>{info.secretCommand}</code></pre>
              </>
            )}
          </>
        )}
      </Loaded>
      <p>
        {tr('addPcs.guide')}{' '}
        <a href={guide} target="_blank" rel="noopener" data-guide>
          {tr('addPcs.guideLink')}
        </a>
      </p>
    </section>
  );
}
