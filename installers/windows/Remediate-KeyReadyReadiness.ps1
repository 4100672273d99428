<#
.SYNOPSIS
  Intune Remediations remediation script for Detect-KeyReadyReadiness.ps1.

.DESCRIPTION
  A script cannot make a PC ready by itself: it cannot enroll a fingerprint, plug in a key, register
  the key to the user, join the PC to Entra ID or change the tenant's policy. What it can do is keep
  KeyReady itself working, so the readiness it reports is current:
    - start the KeyReady Agent service when it is not running;
    - run the logon task now, which reads the signed-in user's sign-in state (probe-user) in their session.
  The security-key sign-in policy (policy.security-key) and the credential provider (credprov.fido)
  belong to an Intune configuration profile, not to this script; see INTUNE.md for each check's fix.
  Intune re-runs the detection script afterwards ("Post-remediation detection output").
  Intune settings: run as SYSTEM (logged-on credentials: No), 64-bit PowerShell: Yes.
#>
$ErrorActionPreference = 'Stop'
$done = @()

$service = Get-Service -Name 'KeyReadyAgent' -ErrorAction SilentlyContinue
if (-not $service) {
  Write-Output 'KeyReady: the KeyReady Agent service is not installed: reinstall the KeyReady Agent app'
  exit 1
}
if ($service.Status -ne 'Running') {
  try {
    Start-Service -Name 'KeyReadyAgent'
    $done += 'service started'
  } catch {
    $done += "service did not start ($($_.Exception.Message)); see %ProgramData%\KeyReady\logs"
  }
}

# Run the logon task on demand; its principal is the Users group, so it runs as the signed-in user
# (not yet verified on every Windows build: the next sign-in refreshes the state anyway).
$ErrorActionPreference = 'Continue'
& (Join-Path $env:windir 'System32\schtasks.exe') /Run /TN '\KeyReady\Probe user' 2>&1 | Out-Null
if ($LASTEXITCODE -eq 0) { $done += 'user sign-in state refresh requested' }

if ($done.Count -eq 0) { $done += 'agent healthy; the remaining checks need an admin or the user (see the KeyReady report)' }
Write-Output "KeyReady: $($done -join '; ')"
exit 0
