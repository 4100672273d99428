// What `keyready-agent setup` changes on a Windows PC besides agent.json: folder ACLs (icacls), the
// logon task that runs `probe-user` in every user's session (schtasks), and the service's recovery
// actions (sc.exe). Each is built here as a pure value — argument lists and the task XML — so the
// exact commands are tested on any OS; agent/commands/setup.ts runs them on Windows only. The data
// folder's own ACL is agent/link/credentials.ts' restrictedAclArgs.

/** The service the MSI installs (installers/windows/KeyReadyAgent.wxs, ServiceInstall Name). */
export const SERVICE_NAME = 'KeyReadyAgent';
/** Task Scheduler path of the logon task, in its own folder so an admin finds it. */
export const LOGON_TASK = '\\KeyReady\\Probe user';
/** BUILTIN\Users, by SID so a Japanese (or any) Windows resolves it. */
export const USERS_SID = 'S-1-5-32-545';

/**
 * icacls arguments letting every user create and replace files in the user-facts folder: probe-user
 * runs as whichever user signs in and replaces the previous user's file. Inherited by the files
 * (OI)(CI); the SYSTEM/Administrators grants come from the parent folder.
 */
export function usersWritableAclArgs(dir: string): string[] {
  return [dir, '/grant', `*${USERS_SID}:(OI)(CI)M`];
}

/** How to start this same agent: the packaged exe alone, or Node plus the script in a checkout. */
export interface Invocation {
  readonly command: string;
  readonly args: readonly string[];
}

export function agentInvocation(execPath: string, script: string | undefined, packaged: boolean): Invocation {
  return packaged || script === undefined ? { command: execPath, args: [] } : { command: execPath, args: [script] };
}

/** One Windows command-line argument, quoted the way CommandLineToArgvW reads it back. */
export function quoteArg(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

const xmlText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The logon task (Task Scheduler schema 1.2, Windows 7+): triggered by any user's logon, it runs in
 * that user's session as that user — principal = the Users group, least privilege — because only
 * there does dsregcmd show the user's PRT. Hidden from the Task Scheduler's default view; a few
 * seconds' delay lets the sign-in settle (the PRT is fetched during logon).
 */
export function logonTaskXml(agent: Invocation, dataDir: string, description: string): string {
  const args = [...agent.args, 'probe-user', '--data-dir', dataDir].map(quoteArg).join(' ');
  return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Author>KeyReady</Author>
    <Description>${xmlText(description)}</Description>
    <URI>${xmlText(LOGON_TASK)}</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <Delay>PT30S</Delay>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Users">
      <GroupId>${USERS_SID}</GroupId>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>false</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>true</Hidden>
    <ExecutionTimeLimit>PT5M</ExecutionTimeLimit>
  </Settings>
  <Actions Context="Users">
    <Exec>
      <Command>${xmlText(agent.command)}</Command>
      <Arguments>${xmlText(args)}</Arguments>
    </Exec>
  </Actions>
</Task>
`;
}

/** schtasks reads a task XML file only as UTF-16 with a byte-order mark when it says encoding="UTF-16". */
export function taskXmlBytes(xml: string): Buffer {
  return Buffer.from(`\uFEFF${xml.replace(/\r?\n/g, '\r\n')}`, 'utf16le');
}

/** /F replaces a task left by an earlier install, so a reinstall or upgrade points it at the new exe. */
export function schtasksCreateArgs(xmlFile: string): string[] {
  return ['/Create', '/TN', LOGON_TASK, '/XML', xmlFile, '/F'];
}

export function schtasksDeleteArgs(): string[] {
  return ['/Delete', '/TN', LOGON_TASK, '/F'];
}

/**
 * sc.exe arguments for restart-on-failure: 10 s, 10 s, then every 60 s, the count reset after a
 * day without failure. The MSI cannot say this itself (wixl has no ServiceConfig/MsiServiceConfig
 * tables) and WinSW 1.17 applies <onfailure> only when it installs the service itself.
 */
export function serviceRecoveryArgs(): string[] {
  return ['failure', SERVICE_NAME, 'reset=', '86400', 'actions=', 'restart/10000/restart/10000/restart/60000'];
}

/** sc.exe's exit code when the service is not installed (ERROR_SERVICE_DOES_NOT_EXIST). */
export const SC_NO_SUCH_SERVICE = 1060;
