// A simulated fleet for the demo: many agents in one process, each on its own WebSocket speaking
// keyready.v1 (sim/fleet/sim-agent.ts). Each PC is a real dsregcmd capture plus registry values
// and the getInfo of a virtual ATKey in one of its enrollment states (sim/fleet/pc.ts), judged by
// the agent's own engine, so every report, text and fix is what a real agent would send. As time passes a few PCs change: a policy gets deployed, a user
// enrolls a fingerprint, a key gets unplugged, a PC goes offline and comes back.
import type { Report } from '../protocol/report.ts';
import { domainWithFailingHybridJoin, hybridWithPrt, registeredOnly } from '../sim/fleet/compose.ts';
import { FIDO_PROVIDER_CLSID, type RegistrySpec } from '../sim/fleet/pc.ts';
import { pcReport, SIM_AGENT_VERSION } from '../sim/fleet/pc-report.ts';
import { seededRandom } from '../sim/prng.ts';
import { SimAgent } from '../sim/fleet/sim-agent.ts';
import type { AuthenticatorConfig } from '../sim/authenticator/authenticator.ts';
import { ATKEY_MODEL_PROFILES, atkeyConfig, type AtkeyModelProfile, type EnrollmentState } from '../sim/authenticator/profiles.ts';
import { errorText } from '../protocol/error-text.ts';

const WINDOWS_11 = { CurrentBuild: '22631', UBR: 4460, DisplayVersion: '23H2', ReleaseId: '2009', EditionID: 'Enterprise' };
const WINDOWS_10_1903 = { CurrentBuild: '18362', UBR: 1256, ReleaseId: '1903', EditionID: 'Professional' };

/** ATKey models (the virtual authenticator's profiles, by AAGUID); the first is the most common. */
const [PRO_20, PRO_21, PRO_S, CARD] = ATKEY_MODEL_PROFILES as [AtkeyModelProfile, AtkeyModelProfile, AtkeyModelProfile, AtkeyModelProfile];
const MODELS: readonly AtkeyModelProfile[] = [PRO_20, PRO_20, PRO_21, PRO_S, CARD];

/** Where the user's key stands: the enrollment states of the guide's step 2, or not plugged in. */
type KeyState = EnrollmentState | 'unplugged';

interface Profile {
  weight: number;
  dsregcmd?: () => string;
  registry?: RegistrySpec;
  key: KeyState;
}

/** Where a PC stands; the weights give a fleet part-way through its cutover. */
const PROFILES: readonly Profile[] = [
  { weight: 34, key: 'both' },
  {
    weight: 10,
    dsregcmd: hybridWithPrt,
    registry: { securityKeyPolicy: null, fidoPolicy: { EnableFIDODeviceLogon: 1 }, logonUi: { LastLoggedOnUser: 'CORP\\user1', LastLoggedOnProvider: FIDO_PROVIDER_CLSID }, currentVersion: WINDOWS_11 },
    key: 'both',
  },
  { weight: 16, registry: { securityKeyPolicy: null }, key: 'both' },
  { weight: 8, key: 'pin-only' },
  { weight: 3, key: 'fingerprint-only' },
  { weight: 5, key: 'unplugged' },
  { weight: 3, key: 'nothing' },
  { weight: 5, registry: { systemPolicy: { EnableLUA: 1, ExcludedCredentialProviders: `${FIDO_PROVIDER_CLSID},{8FD7E19C-3BF7-489B-A72C-846AB3678C96}` } }, key: 'both' },
  { weight: 5, registry: { currentVersion: WINDOWS_10_1903 }, key: 'both' },
  { weight: 4, dsregcmd: registeredOnly, key: 'pin-only' },
  { weight: 4, dsregcmd: domainWithFailingHybridJoin, registry: { securityKeyPolicy: null, fidoPolicy: { EnableFIDODeviceLogon: 1 } }, key: 'both' },
];

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

function pickProfile(random: () => number): Profile {
  const total = PROFILES.reduce((sum, p) => sum + p.weight, 0);
  let roll = random() * total;
  for (const profile of PROFILES) {
    roll -= profile.weight;
    if (roll < 0) return profile;
  }
  return PROFILES[0] as Profile;
}

function keysFor(state: KeyState, model: AtkeyModelProfile): AuthenticatorConfig[] {
  return state === 'unplugged' ? [] : [atkeyConfig(model, state)];
}

const SITES = ['tokyo', 'osaka', 'nagoya', 'fukuoka', 'sapporo'] as const;
const GIVEN = ['taro', 'hanako', 'kenji', 'yui', 'sota', 'aoi', 'haruto', 'mei', 'ren', 'sakura'] as const;
const FAMILY = ['sato', 'suzuki', 'takahashi', 'tanaka', 'watanabe', 'ito', 'yamamoto', 'nakamura', 'kobayashi', 'kato'] as const;

class DemoPc {
  readonly agent: SimAgent;
  readonly #dsregcmd: string | undefined;
  #registry: RegistrySpec;
  #key: KeyState;
  readonly #model: AtkeyModelProfile;

  constructor(url: string, index: number, random: () => number) {
    const profile = pickProfile(random);
    const site = pick(SITES, random);
    const hostname = `${site.toUpperCase()}-PC-${String(index + 1).padStart(4, '0')}`;
    const user = `${pick(GIVEN, random)}.${pick(FAMILY, random)}@contoso.co.jp`;
    const hardware = {
      uuid: `d3e00000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
      serial: `PF${index.toString(36).toUpperCase().padStart(6, '0')}`,
      manufacturer: 'LENOVO',
      model: '21HD003QJP',
    };
    this.#dsregcmd = profile.dsregcmd?.();
    this.#registry = { ...profile.registry };
    this.#key = profile.key;
    this.#model = pick(MODELS, random);
    this.agent = new SimAgent({
      url,
      hostname,
      hardware,
      agentVersion: SIM_AGENT_VERSION,
      tags: { site },
      makeReport: () => this.#report({ ...hardware, hostname, user }),
    });
  }

  #report(device: Report['device']): Report {
    return pcReport({ dsregcmd: this.#dsregcmd, registry: this.#registry, keys: keysFor(this.#key, this.#model) }, device);
  }

  /** One step of the rollout on this PC, as IT or the user would take it; false when none is left. */
  progress(): boolean {
    const registry = this.#registry;
    if (registry.securityKeyPolicy === null && !registry.fidoPolicy) {
      this.#registry = { ...registry, securityKeyPolicy: { UseSecurityKeyForSignin: 1 } };
    } else if (registry.systemPolicy) {
      this.#registry = { ...registry, systemPolicy: { EnableLUA: 1, ConsentPromptBehaviorAdmin: 5 } };
    } else if (registry.currentVersion?.CurrentBuild === WINDOWS_10_1903.CurrentBuild) {
      this.#registry = { ...registry, currentVersion: WINDOWS_11 };
    } else if (this.#key !== 'both') {
      this.#key = 'both';
    } else return false;
    return true;
  }

  /** The user walks away with the key: the PC remembers it, the next report has none. */
  unplug(): void {
    this.#key = 'unplugged';
  }
}

export interface FleetOptions {
  agentUrl: string;
  enrollSecret: string;
  size: number;
  seed: number;
  /** How often one PC changes (ms). */
  changeEveryMs: number;
  log: (line: string) => void;
}

/** How many PCs enroll and connect at once at start. */
const START_CONCURRENCY = 25;

export class DemoFleet {
  readonly pcs: DemoPc[];
  readonly #random: () => number;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(private readonly options: FleetOptions) {
    const random = seededRandom(options.seed);
    this.pcs = Array.from({ length: options.size }, (_, i) => new DemoPc(options.agentUrl, i, random));
    this.#random = seededRandom(options.seed + 1);
  }

  /** Enrolls, connects and reports every PC, then starts changing a few of them over time. */
  async start(): Promise<void> {
    const queue = [...this.pcs];
    const worker = async () => {
      for (let pc = queue.shift(); pc && !this.#stopped; pc = queue.shift()) {
        await pc.agent.enroll(this.options.enrollSecret);
        await pc.agent.connect();
        await pc.agent.report();
      }
    };
    await Promise.all(Array.from({ length: START_CONCURRENCY }, worker));
    this.#timer = setInterval(() => {
      this.#change().catch((error: unknown) => this.options.log(`demo: a change failed: ${errorText(error)}`));
    }, this.options.changeEveryMs);
  }

  async #change(): Promise<void> {
    const online = this.pcs.filter((pc) => pc.agent.socket !== null);
    const offline = this.pcs.filter((pc) => pc.agent.socket === null);
    const roll = this.#random();
    if (roll < 0.1 && offline.length > 0) {
      const pc = pick(offline, this.#random);
      await pc.agent.connect();
      await pc.agent.report();
    } else if (roll < 0.2 && online.length > 0) {
      await pick(online, this.#random).agent.disconnect();
    } else if (roll < 0.3 && online.length > 0) {
      const pc = pick(online, this.#random);
      pc.unplug();
      await pc.agent.report();
    } else if (online.length > 0) {
      const pc = pick(online, this.#random);
      if (pc.progress()) await pc.agent.report();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all(this.pcs.map((pc) => pc.agent.disconnect().catch(() => undefined)));
  }
}
